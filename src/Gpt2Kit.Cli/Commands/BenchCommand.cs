using System.CommandLine;
using System.Diagnostics;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Benchmarks;
using Gpt2Kit.Models;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit bench</c>: prefill of a long prompt and greedy decoding at batch 1 and 8 on a checkpoint.</summary>
internal static class BenchCommand
{
    internal static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "A checkpoint folder (e.g. one written by create-random --shape gpt2) or a Hugging Face name.", Required = true };
        var threads = new Option<int?>("--threads") { Description = "Threads for the forward pass (default: every core)." };
        var prefillTokens = new Option<int>("--prefill-tokens") { Description = "Prompt length of the prefill run (capped at n_positions).", DefaultValueFactory = _ => 512 };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length before decoding.", DefaultValueFactory = _ => 16 };
        var decodeTokens = new Option<int>("--decode-tokens") { Description = "Decoding steps (capped so prompt + steps fit n_positions).", DefaultValueFactory = _ => 128 };
        var batches = new Option<string>("--batches") { Description = "Comma-separated decoding batch sizes.", DefaultValueFactory = _ => "1,8" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("bench", "Measure prefill and decoding speed (tokens/s, ms/token, peak memory).")
        {
            model, threads, prefillTokens, promptTokens, decodeTokens, batches, json,
        }.WithExamples(
            "gpt2kit bench --model ./gpt2-random",
            "gpt2kit bench --model ./gpt2-random --backend torchsharp --device cpu --dtype bf16",
            "gpt2kit bench --model gpt2 --threads 2 --batches 1,4 --decode-tokens 64 --json");

        var backend = new BackendCliOptions(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            int? threadCount = parse.GetValue(threads);
            if (threadCount is < 1)
            {
                throw new CliException($"--threads: {threadCount} is not allowed; expected 1 or more.");
            }

            int[] batchSizes = ParseBatches(parse.GetValue(batches)!);
            int prompt = RequirePositive(parse.GetValue(promptTokens), "--prompt-tokens");
            string folder = await CheckpointLoader.ResolveAsync(context, parse.GetValue(model), cancellationToken);
            var loadWatch = Stopwatch.StartNew();
            using var loaded = CheckpointLoader.Load(context, folder, threadCount, parse.GetValue(json), backend, parse);
            var (parameters, threadsUsed, backendName) = loaded switch
            {
                Gpt2Model g => (g.ParameterCount, g.Threads, $"gpt2 (cpu, f32)"),
                TorchSharp.TorchSharpGpt2Model t => (t.ParameterCount, t.Threads, $"torchsharp ({t.Device}, {t.DType.ToString().ToLowerInvariant()})"),
                _ => (0L, 0, loaded.GetType().Name),
            };
            double loadSeconds = loadWatch.Elapsed.TotalSeconds;
            int contextLength = loaded.Info.ContextLength;
            int prefill = Math.Min(RequirePositive(parse.GetValue(prefillTokens), "--prefill-tokens"), contextLength);
            if (prompt >= contextLength)
            {
                throw new CliException($"--prompt-tokens: {prompt} leaves no room to decode within n_positions ({contextLength}).");
            }

            int steps = Math.Min(RequirePositive(parse.GetValue(decodeTokens), "--decode-tokens"), contextLength - prompt);

            // Warm-up: compiles the kernels and touches the weights once.
            ModelWorkloads.Decode(loaded, 1, Math.Min(4, prompt), Math.Min(4, steps));
            var prefillTime = ModelWorkloads.Prefill(loaded, prefill);
            var decodes = batchSizes.Select(b => ModelWorkloads.Decode(loaded, b, prompt, steps)).ToList();
            long peak = Process.GetCurrentProcess().PeakWorkingSet64;

            if (parse.GetValue(json))
            {
                CliJson.Write(context.Out, new
                {
                    model = loaded.Info.Name,
                    backend = backendName,
                    parameters,
                    threads = threadsUsed,
                    processor_count = Environment.ProcessorCount,
                    load_average = LoadAverage(),
                    load_seconds = loadSeconds,
                    prefill = new { tokens = prefill, seconds = prefillTime.TotalSeconds, tokens_per_second = prefill / prefillTime.TotalSeconds },
                    decode = decodes.Select(d => new
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
                    peak_working_set_bytes = peak,
                });
                return ExitCodes.Success;
            }

            var o = context.Out;
            o.WriteLine($"model    {loaded.Info.Name} on {backendName}: {parameters:N0} parameters, {threadsUsed} threads ({Environment.ProcessorCount} cores, load {LoadAverage() ?? "n/a"}), loaded in {loadSeconds:F2} s");
            o.WriteLine($"prefill  {prefill} tokens in {prefillTime.TotalMilliseconds:F0} ms: {prefill / prefillTime.TotalSeconds:F1} tokens/s");
            foreach (var d in decodes)
            {
                o.WriteLine($"decode   batch {d.Batch}, {d.Steps} steps after {d.PromptTokens} tokens: {d.MillisecondsPerStep:F2} ms/step ({d.ProcessorTime.TotalMilliseconds / d.Steps:F1} ms CPU), {d.StepsPerSecond:F1} steps/s, {d.TokensPerSecond:F1} tokens/s, {d.AllocatedBytes / (double)d.Steps:F0} B allocated/step");
            }

            o.WriteLine($"memory   peak working set {peak / 1e6:F0} MB");
            return ExitCodes.Success;
        });
        return command;
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

    private static string? LoadAverage()
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
}
