using System.CommandLine;
using System.Diagnostics;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Benchmarks;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Models;
using Gpt2Kit.TorchSharp;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit bench</c>: prefill of a long prompt and greedy decoding at batch 1 and 8 on a checkpoint, for one or
/// more weight formats in one run (interleaved over <c>--rounds</c>, so machine noise hits every format alike), and
/// optionally each format's accuracy against fp32 on a text.</summary>
internal static class BenchCommand
{
    private static readonly string[] AllDTypes = ["f32", "bf16", "f16", "q8"];
    private static readonly string[] TorchDTypes = ["f32", "bf16", "f16"];

    internal static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "A checkpoint folder (e.g. one written by create-random --shape gpt2) or a Hugging Face name.", Required = true };
        var threads = new Option<int?>("--threads") { Description = "Threads for the forward pass (default: every core)." };
        var dtypes = new Option<string>("--dtype") { Description = "Comma-separated weight formats to measure in turn (auto, f32, bf16, f16, q8; with --backend torchsharp f32, bf16, f16), or all.", DefaultValueFactory = _ => "auto" };
        var rounds = new Option<int>("--rounds") { Description = "Measure every format this many times, interleaved; the best of each is reported.", DefaultValueFactory = _ => 1 };
        var prefillTokens = new Option<int>("--prefill-tokens") { Description = "Prompt length of the prefill run (capped at n_positions).", DefaultValueFactory = _ => 512 };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length before decoding.", DefaultValueFactory = _ => 16 };
        var decodeTokens = new Option<int>("--decode-tokens") { Description = "Decoding steps (capped so prompt + steps fit n_positions).", DefaultValueFactory = _ => 128 };
        var batches = new Option<string>("--batches") { Description = "Comma-separated decoding batch sizes.", DefaultValueFactory = _ => "1,8" };
        var accuracyText = new Option<string>("--accuracy-text") { Description = "A text file: also compare each format with f32 over its first tokens (up to --prefill-tokens): max logit error, KL, top-1 agreement." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("bench", "Measure prefill and decoding speed (tokens/s, ms/token, peak memory) per weight format.")
        {
            model, threads, dtypes, rounds, prefillTokens, promptTokens, decodeTokens, batches, accuracyText, json,
        }.WithExamples(
            "gpt2kit bench --model ./gpt2-random --dtype all --rounds 3",
            "gpt2kit bench --model gpt2 --dtype f32,q8 --accuracy-text README.md --json",
            "gpt2kit bench --model ./gpt2-random --backend torchsharp --device cpu --dtype f32,bf16");

        var backend = new BackendCliOptions(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            int? threadCount = parse.GetValue(threads);
            if (threadCount is < 1)
            {
                throw new CliException($"--threads: {threadCount} is not allowed; expected 1 or more.");
            }

            bool managed = backend.IsManaged(parse);
            string[] formats = ParseDTypes(parse.GetValue(dtypes)!, managed);
            int roundCount = RequirePositive(parse.GetValue(rounds), "--rounds");
            int[] batchSizes = ParseBatches(parse.GetValue(batches)!);
            int prompt = RequirePositive(parse.GetValue(promptTokens), "--prompt-tokens");
            int prefillRequested = RequirePositive(parse.GetValue(prefillTokens), "--prefill-tokens");
            int decodeRequested = RequirePositive(parse.GetValue(decodeTokens), "--decode-tokens");
            string? textFile = parse.GetValue(accuracyText);
            if (textFile is not null && !File.Exists(textFile))
            {
                throw new CliException($"--accuracy-text: the file '{textFile}' does not exist.");
            }

            string folder = await CheckpointLoader.ResolveAsync(context, parse.GetValue(model), cancellationToken);
            bool quiet = parse.GetValue(json);
            ICausalLanguageModel Open(string format) =>
                CheckpointLoader.Load(context, folder, threadCount, quiet, format == "auto" ? null : format, backend, parse);
            var best = new Dictionary<string, FormatRun>();
            for (int round = 0; round < roundCount; round++)
            {
                foreach (string format in formats)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var run = Measure(Open, format, batchSizes, prompt, prefillRequested, decodeRequested);
                    best[format] = best.TryGetValue(format, out var previous) ? FormatRun.Best(previous, run) : run;
                }
            }

            var accuracy = textFile is null ? null : MeasureAccuracy(Open, folder, formats, textFile, prefillRequested);
            var runs = formats.Select(f => best[f]).ToList();
            if (quiet)
            {
                CliJson.Write(context.Out, new
                {
                    model = runs[0].Name,
                    parameters = runs[0].Parameters,
                    threads = runs[0].Threads,
                    processor_count = Environment.ProcessorCount,
                    load_average = LoadAverage(),
                    rounds = roundCount,
                    formats = runs.Select(r => new
                    {
                        dtype = r.DType,
                        requested = r.Requested,
                        load_seconds = r.LoadSeconds,
                        weight_bytes = r.WeightBytes,
                        kv_cache_bytes_batch1 = r.CacheBytes,
                        prefill = new { tokens = r.PrefillTokens, seconds = r.Prefill.TotalSeconds, tokens_per_second = r.PrefillTokens / r.Prefill.TotalSeconds },
                        decode = r.Decodes.Select(d => new
                        {
                            batch = d.Batch,
                            prompt_tokens = d.PromptTokens,
                            steps = d.Steps,
                            seconds = d.Elapsed.TotalSeconds,
                            ms_per_token = d.MillisecondsPerStep,
                            cpu_ms_per_token = d.ProcessorTime.TotalMilliseconds / d.Steps,
                            steps_per_second = d.StepsPerSecond,
                            tokens_per_second = d.TokensPerSecond,
                            allocated_bytes_per_step = (double)d.AllocatedBytes / d.Steps,
                        }).ToArray(),
                        peak_working_set_decode_bytes = r.DecodePeak,
                        accuracy = accuracy?.GetValueOrDefault(r.Requested) is { } a ? new
                        {
                            positions = a.Positions,
                            max_abs_logit_error = a.MaxAbsLogitError,
                            mean_kl = a.MeanKl,
                            max_kl = a.MaxKl,
                            top1_agreement = a.Top1Agreement,
                        } : null,
                    }).ToArray(),
                });
                return ExitCodes.Success;
            }

            var o = context.Out;
            var first = runs[0];
            o.WriteLine($"model    {first.Name}: {first.Parameters:N0} parameters, {first.Threads} threads ({Environment.ProcessorCount} cores, load {LoadAverage() ?? "n/a"}), best of {roundCount} round(s)");
            foreach (var r in runs)
            {
                o.WriteLine();
                o.WriteLine($"dtype    {r.Requested} ({r.DType}): {r.WeightBytes / 1048576.0:F0} MiB of weights, loaded in {r.LoadSeconds:F2} s");
                o.WriteLine($"prefill  {r.PrefillTokens} tokens in {r.Prefill.TotalMilliseconds:F0} ms: {r.PrefillTokens / r.Prefill.TotalSeconds:F1} tokens/s{Ratio(r.PrefillTokens / r.Prefill.TotalSeconds, first.PrefillTokens / first.Prefill.TotalSeconds, r, first)}");
                for (int i = 0; i < r.Decodes.Count; i++)
                {
                    var d = r.Decodes[i];
                    o.WriteLine($"decode   batch {d.Batch}, {d.Steps} steps after {d.PromptTokens} tokens: {d.MillisecondsPerStep:F2} ms/step ({d.ProcessorTime.TotalMilliseconds / d.Steps:F1} ms CPU), {d.TokensPerSecond:F1} tokens/s{Ratio(d.TokensPerSecond, first.Decodes[i].TokensPerSecond, r, first)}, {d.AllocatedBytes / (double)d.Steps:F0} B allocated/step");
                }

                o.WriteLine($"memory   peak working set in the batch-{r.Decodes[0].Batch} decode {r.DecodePeak / 1048576.0:F0} MiB (weights {r.WeightBytes / 1048576.0:F0} MiB + KV cache {r.CacheBytes / 1048576.0:F0} MiB + {(r.DecodePeak - r.WeightBytes - r.CacheBytes) / 1048576.0:F0} MiB)");
                if (accuracy?.GetValueOrDefault(r.Requested) is { } a)
                {
                    o.WriteLine($"accuracy vs f32 over {a.Positions} positions: max |Δlogit| {a.MaxAbsLogitError:G3}, mean KL {a.MeanKl:G3} (max {a.MaxKl:G3}), top-1 agreement {a.Top1Agreement:P1}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static FormatRun Measure(Func<string, ICausalLanguageModel> open, string dtype, int[] batchSizes, int prompt, int prefillRequested,
        int decodeRequested)
    {
        // The previous format's model is gone; its memory must not count in this one's peak (an aggressive collection
        // also returns the GC heap's free space to the system).
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var loadWatch = Stopwatch.StartNew();
        using var loaded = open(dtype);
        double loadSeconds = loadWatch.Elapsed.TotalSeconds;
        int contextLength = loaded.Info.ContextLength;
        int prefill = Math.Min(prefillRequested, contextLength);
        if (prompt >= contextLength)
        {
            throw new CliException($"--prompt-tokens: {prompt} leaves no room to decode within n_positions ({contextLength}).");
        }

        int steps = Math.Min(decodeRequested, contextLength - prompt);

        // Warm-up: compiles the kernels and touches the weights once.
        ModelWorkloads.Decode(loaded, 1, Math.Min(4, prompt), Math.Min(4, steps));
        PeakWorkingSet.Reset();
        var decodes = new List<DecodeMeasurement> { ModelWorkloads.Decode(loaded, batchSizes[0], prompt, steps) };
        long decodePeak = PeakWorkingSet.Read();
        var prefillTime = ModelWorkloads.Prefill(loaded, prefill);
        decodes.AddRange(batchSizes.Skip(1).Select(b => ModelWorkloads.Decode(loaded, b, prompt, steps)));
        var (format, parameters, threadsUsed, weightBytes, cacheBytes) = loaded switch
        {
            Gpt2Model g => (g.DType, g.ParameterCount, g.Threads, g.WeightBytes, g.SessionBytes(batchSizes[0], prompt + steps)),
            TorchSharpGpt2Model t => ($"{t.DType.ToString().ToLowerInvariant()} on torchsharp {t.Device}", t.ParameterCount, t.Threads, t.WeightBytes,
                TorchCacheBytes(t, batchSizes[0], prompt + steps)),
            _ => (dtype, 0L, 0, 0L, 0L),
        };
        return new FormatRun(dtype, format, loaded.Info.Name, parameters, threadsUsed, loadSeconds, weightBytes, cacheBytes, prefill, prefillTime,
            decodes, decodePeak);
    }

    // Keys and values of every layer, in the compute precision.
    private static long TorchCacheBytes(TorchSharpGpt2Model model, int rows, int capacity) =>
        2L * model.Config.LayerCount * rows * capacity * model.Config.HiddenSize * (model.DType == TorchDType.F32 ? sizeof(float) : 2);

    private static Dictionary<string, AccuracyMeasurement> MeasureAccuracy(Func<string, ICausalLanguageModel> open, string folder, string[] formats,
        string textFile, int maxTokens)
    {
        using var reference = open("f32");
        int[] tokens = Gpt2Tokenizer.FromFolderOrDefault(folder).Encode(File.ReadAllText(textFile));
        tokens = tokens[..Math.Min(tokens.Length, Math.Min(maxTokens, reference.Info.ContextLength))];
        if (tokens.Length < 2)
        {
            throw new CliException($"--accuracy-text: '{textFile}' holds fewer than 2 tokens.");
        }

        var results = new Dictionary<string, AccuracyMeasurement>();
        foreach (string format in formats)
        {
            using var candidate = open(format);
            results[format] = DTypeAccuracy.Measure(reference, candidate, tokens);
        }

        return results;
    }

    private static string Ratio(double value, double reference, FormatRun run, FormatRun first) =>
        ReferenceEquals(run, first) ? string.Empty : $" ({value / reference:F2}× {first.Requested})";

    // The torchsharp backend checks its own names when it loads (f32, bf16, f16).
    private static string[] ParseDTypes(string text, bool managed)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => p.ToLowerInvariant()).ToList();
        var result = parts.SelectMany(p => p == "all" ? (managed ? AllDTypes : TorchDTypes) : [p]).Distinct().ToArray();
        foreach (string part in result)
        {
            if (managed && !Gpt2Model.SupportedDTypes.Contains(part))
            {
                throw new CliException($"--dtype: '{part}' is not a weight format; expected a list of {string.Join(", ", Gpt2Model.SupportedDTypes)}, or all.");
            }
        }

        return result.Length > 0 ? result : throw new CliException("--dtype: expected at least one weight format, e.g. f32,q8.");
    }

    private static int RequirePositive(int value, string option) =>
        value >= 1 ? value : throw new CliException($"{option}: {value} is not allowed; expected 1 or more.");

    private static int[] ParseBatches(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], out sizes[i]) || sizes[i] < 1 || sizes[i] > 256)
            {
                throw new CliException($"--batches: '{parts[i]}' is not a batch size in 1..256 (expected e.g. 1,8).");
            }
        }

        return sizes.Length > 0 ? sizes : throw new CliException("--batches: expected at least one batch size, e.g. 1,8.");
    }

    internal static string? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>One format's measurements.</summary>
    private sealed record FormatRun(string Requested, string DType, string Name, long Parameters, int Threads, double LoadSeconds, long WeightBytes,
        long CacheBytes, int PrefillTokens, TimeSpan Prefill, IReadOnlyList<DecodeMeasurement> Decodes, long DecodePeak)
    {
        // The fastest of two rounds, phase by phase (the noise of a shared machine only ever slows a run down).
        public static FormatRun Best(FormatRun a, FormatRun b) => a with
        {
            Prefill = a.Prefill < b.Prefill ? a.Prefill : b.Prefill,
            Decodes = [.. a.Decodes.Zip(b.Decodes, (x, y) => x.Elapsed <= y.Elapsed ? x : y)],
            DecodePeak = Math.Max(a.DecodePeak, b.DecodePeak),
            LoadSeconds = Math.Min(a.LoadSeconds, b.LoadSeconds),
        };
    }
}
