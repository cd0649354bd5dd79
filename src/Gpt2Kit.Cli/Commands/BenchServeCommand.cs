using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit bench-serve --model M</c>: a load test of the server on a loopback port in this process. The same
/// streaming requests (greedy, EOS suppressed so each makes exactly <c>--tokens</c> tokens) are served one at a time and
/// then by <c>--clients</c> concurrent clients; it reports aggregate tokens/s of both and their ratio, p50/p99 time to first
/// token and inter-token latency, errors, lost or duplicated tokens (each concurrent reply is compared with its one-at-a-time
/// twin), and the working set over a soak of <c>--soak-requests</c> short requests.</summary>
internal static class BenchServeCommand
{
    internal static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "A checkpoint folder (e.g. create-random --shape gpt2) or a Hugging Face name.", Required = true };
        var clients = new Option<int>("--clients") { Description = "Concurrent streaming clients (1..256).", DefaultValueFactory = _ => 32 };
        var tokens = new Option<int>("--tokens") { Description = "Tokens per request.", DefaultValueFactory = _ => 64 };
        var soak = new Option<int>("--soak-requests") { Description = "Short requests of the working-set soak (0 skips it).", DefaultValueFactory = _ => 2000 };
        var soakTokens = new Option<int>("--soak-tokens") { Description = "Tokens per soak request.", DefaultValueFactory = _ => 4 };
        var threads = new Option<int?>("--threads") { Description = "Threads of the forward pass (default: every core)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("bench-serve", "Load-test the server on loopback: concurrent streaming clients against the same requests one at a time.")
        {
            model, clients, tokens, soak, soakTokens, threads, json,
        }.WithExamples(
            "gpt2kit bench-serve --model /tmp/gpt2-random",
            "gpt2kit bench-serve --model tests/fixtures/gpt2-tiny --clients 8 --tokens 16 --soak-requests 200 --json");

        command.SetAction(async (parse, cancellationToken) =>
        {
            int clientCount = Range(parse.GetValue(clients), 1, 256, "--clients");
            int tokenCount = Range(parse.GetValue(tokens), 1, 4096, "--tokens");
            int soakCount = Range(parse.GetValue(soak), 0, 100_000, "--soak-requests");
            int soakTokenCount = Range(parse.GetValue(soakTokens), 1, 4096, "--soak-tokens");
            string folder = await CheckpointLoader.ResolveAsync(context, parse.GetValue(model), cancellationToken);
            var options = new Gpt2KitServerOptions
            {
                Model = folder, Port = 0, Threads = parse.GetValue(threads), MaxRunningRequests = Math.Max(64, clientCount), MaxQueuedRequests = 1024,
            };
            await using var app = Gpt2KitServer.Build(options, logging => logging.SetMinimumLevel(LogLevel.Warning));
            await app.StartAsync(cancellationToken);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 })
            {
                BaseAddress = new Uri(app.Urls.Single()),
                Timeout = TimeSpan.FromMinutes(30),
            };
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
            var prompts = Enumerable.Range(0, clientCount).Select(i => $"Request {i}: " + string.Join(' ', Enumerable.Repeat("once upon a time", 1 + (i % 4)))).ToArray();

            await Request(http, name, "warm up", 2, cancellationToken);
            var sequentialWatch = Stopwatch.StartNew();
            var sequential = new List<Outcome>();
            foreach (var prompt in prompts)
            {
                sequential.Add(await Request(http, name, prompt, tokenCount, cancellationToken));
            }

            var sequentialTime = sequentialWatch.Elapsed;
            var concurrentWatch = Stopwatch.StartNew();
            var concurrent = await Task.WhenAll(prompts.Select(p => Task.Run(() => Request(http, name, p, tokenCount, cancellationToken), cancellationToken)));
            var concurrentTime = concurrentWatch.Elapsed;

            var workingSet = new List<(int Requests, long Bytes)>();
            var report = new Report(sequential, sequentialTime, concurrent, concurrentTime, tokenCount, workingSet);
            var o = context.Out;
            bool asJson = parse.GetValue(json);
            if (!asJson)
            {
                // The throughput lines come before the (long) soak.
                report.Write(o, name, clientCount, tokenCount);
            }

            if (soakCount > 0)
            {
                workingSet.AddRange(await Soak(http, name, clientCount, soakCount, soakTokenCount, cancellationToken));
            }

            if (asJson)
            {
                CliJson.Write(o, report.ToJson(name, clientCount, tokenCount, soakCount, Environment.ProcessorCount));
            }
            else if (workingSet.Count > 0)
            {
                o.WriteLine($"soak           {soakCount} requests × {soakTokenCount} tokens; working set MB: {string.Join(", ", workingSet.Select(w => $"{w.Requests}: {w.Bytes / 1e6:F0}"))}");
            }

            await app.StopAsync(CancellationToken.None);
            return report.Errors == 0 && report.Lost == 0 && report.Duplicated == 0 && report.Mismatched == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static int Range(int value, int min, int max, string option) =>
        value >= min && value <= max ? value : throw new CliException($"{option}: {value} is not allowed; expected {min}..{max}.");

    /// <summary>One streamed request: its text, its token count and when each token arrived.</summary>
    private sealed record Outcome(string Text, int Tokens, TimeSpan? FirstToken, List<TimeSpan> Gaps, string? Error);

    private static async Task<Outcome> Request(HttpClient http, string model, string prompt, int tokens, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = model, ["prompt"] = prompt, ["max_tokens"] = tokens, ["temperature"] = 0, ["stream"] = true, ["logprobs"] = 0,
            // EOS suppressed so that every request makes exactly `tokens` tokens and a missing one shows.
            ["suppress_tokens"] = new JsonArray(50256),
        };
        var started = Stopwatch.GetTimestamp();
        var text = new StringBuilder();
        var gaps = new List<TimeSpan>();
        TimeSpan? first = null, last = null;
        int count = 0;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = JsonContent.Create(body) };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return new Outcome("", 0, null, gaps, $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]")
                {
                    continue;
                }

                var chunk = JsonNode.Parse(line["data: ".Length..])!;
                if (chunk["error"] is { } error)
                {
                    return new Outcome(text.ToString(), count, first, gaps, error.ToJsonString());
                }

                foreach (var choice in chunk["choices"]!.AsArray())
                {
                    text.Append((string?)choice!["text"]);
                    int arrived = choice["logprobs"]?["tokens"]?.AsArray().Count ?? 0;
                    if (arrived == 0)
                    {
                        continue;
                    }

                    var now = Stopwatch.GetElapsedTime(started);
                    count += arrived;
                    if (first is null)
                    {
                        first = now;
                    }
                    else
                    {
                        gaps.Add(now - last!.Value);
                    }

                    last = now;
                }
            }

            return new Outcome(text.ToString(), count, first, gaps, null);
        }
        catch (HttpRequestException e)
        {
            return new Outcome(text.ToString(), count, first, gaps, e.Message);
        }
    }

    // Requests in waves of `clients`; the working set (after a full GC) every tenth of the way.
    private static async Task<List<(int Requests, long Bytes)>> Soak(HttpClient http, string model, int clients, int total, int tokens, CancellationToken cancellationToken)
    {
        var samples = new List<(int, long)> { (0, WorkingSet()) };
        int done = 0, every = Math.Max(1, total / 10), next = every;
        while (done < total)
        {
            int wave = Math.Min(clients, total - done);
            var outcomes = await Task.WhenAll(Enumerable.Range(done, wave).Select(i => Request(http, model, $"Soak {i} says", tokens, cancellationToken)));
            if (outcomes.FirstOrDefault(o => o.Error is not null) is { } failed)
            {
                throw new CliException($"soak request failed: {failed.Error}");
            }

            done += wave;
            if (done >= next || done == total)
            {
                samples.Add((done, WorkingSet()));
                next += every;
            }
        }

        return samples;
    }

    private static long WorkingSet()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private sealed class Report(List<Outcome> sequential, TimeSpan sequentialTime, Outcome[] concurrent, TimeSpan concurrentTime, int tokens,
        List<(int Requests, long Bytes)> workingSet)
    {
        public int Errors => sequential.Concat(concurrent).Count(o => o.Error is not null);

        public int Lost => sequential.Concat(concurrent).Sum(o => Math.Max(0, tokens - o.Tokens));

        public int Duplicated => sequential.Concat(concurrent).Sum(o => Math.Max(0, o.Tokens - tokens));

        /// <summary>Concurrent replies whose text differs from the same request served alone.</summary>
        public int Mismatched => concurrent.Where((o, i) => o.Text != sequential[i].Text).Count();

        private double SequentialRate => sequential.Sum(o => o.Tokens) / sequentialTime.TotalSeconds;

        private double ConcurrentRate => concurrent.Sum(o => o.Tokens) / concurrentTime.TotalSeconds;

        public object ToJson(string model, int clients, int tokens, int soak, int cores) => new
        {
            model,
            cores,
            clients,
            tokens_per_request = tokens,
            one_at_a_time = Phase(sequential, sequentialTime),
            concurrent = Phase(concurrent, concurrentTime),
            throughput_ratio = ConcurrentRate / SequentialRate,
            errors = Errors,
            lost_tokens = Lost,
            duplicated_tokens = Duplicated,
            mismatched_replies = Mismatched,
            soak_requests = soak,
            working_set_bytes = workingSet.Select(w => new { requests = w.Requests, bytes = w.Bytes }).ToArray(),
        };

        public void Write(TextWriter o, string model, int clients, int tokens)
        {
            o.WriteLine($"model          {model}, {Environment.ProcessorCount} cores (load average {BenchCommand.LoadAverage() ?? "n/a"}); {clients} streaming requests × {tokens} tokens");
            WritePhase(o, "one at a time", sequential, sequentialTime);
            WritePhase(o, "concurrent", concurrent, concurrentTime);
            o.WriteLine($"ratio          {ConcurrentRate / SequentialRate:F2}× aggregate tokens/s");
            o.WriteLine($"correctness    {Errors} errors, {Lost} lost and {Duplicated} duplicated tokens, {Mismatched} concurrent replies differing from their one-at-a-time twin");
            o.Flush();
        }

        private static object Phase(IReadOnlyList<Outcome> outcomes, TimeSpan elapsed)
        {
            var (ttft, itl) = Latencies(outcomes);
            return new
            {
                seconds = elapsed.TotalSeconds,
                tokens = outcomes.Sum(o => o.Tokens),
                tokens_per_second = outcomes.Sum(o => o.Tokens) / elapsed.TotalSeconds,
                ttft_ms = new { p50 = Percentile(ttft, 0.50), p99 = Percentile(ttft, 0.99) },
                inter_token_ms = new { p50 = Percentile(itl, 0.50), p99 = Percentile(itl, 0.99) },
            };
        }

        private static void WritePhase(TextWriter o, string label, IReadOnlyList<Outcome> outcomes, TimeSpan elapsed)
        {
            var (ttft, itl) = Latencies(outcomes);
            o.WriteLine($"{label,-15}{outcomes.Sum(x => x.Tokens)} tokens in {elapsed.TotalSeconds:F1} s = {outcomes.Sum(x => x.Tokens) / elapsed.TotalSeconds:F1} tokens/s; " +
                $"TTFT p50 {Percentile(ttft, 0.5):F0} ms, p99 {Percentile(ttft, 0.99):F0} ms; inter-token p50 {Percentile(itl, 0.5):F1} ms, p99 {Percentile(itl, 0.99):F1} ms");
        }

        private static (double[] Ttft, double[] Itl) Latencies(IReadOnlyList<Outcome> outcomes) => (
            outcomes.Where(o => o.FirstToken is not null).Select(o => o.FirstToken!.Value.TotalMilliseconds).Order().ToArray(),
            outcomes.SelectMany(o => o.Gaps).Select(g => g.TotalMilliseconds).Order().ToArray());

        private static double Percentile(double[] sorted, double p) =>
            sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}
