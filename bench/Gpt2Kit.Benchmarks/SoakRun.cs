using System.Diagnostics;
using System.Globalization;
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Models;

namespace Gpt2Kit.Benchmarks;

/// <summary>The soak run: thousands of mixed requests (greedy, sampling, beam search, streaming, cancelled midway, failing
/// on a bad option) on one generator, four at a time, sampling managed and process memory as it goes. Memory that keeps
/// growing after the warm-up means something per request is kept; a flat line means nothing is.</summary>
/// <remarks>Run with <c>dotnet run -c Release --project bench/Gpt2Kit.Benchmarks -- soak [requests] [model folder]</c>;
/// the default is 4,000 requests on the tiny fixture checkpoint. Not a unit test: it measures, it does not assert.</remarks>
internal static class SoakRun
{
    private const int Parallel = 4;
    private const int SampleEvery = 500;

    public static async Task<int> RunAsync(string[] args)
    {
        int requests = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 4000;
        string folder = args.Length > 1 ? args[1] : FindFixture();
        using var model = Gpt2Model.FromPretrained(folder, new ModelLoadOptions { Threads = 1 });
        var generator = TextGenerator.Create(model, Gpt2Tokenizer.FromFolderOrDefault(folder));
        var samples = new List<(int Requests, long Managed, long WorkingSet)>();
        int done = 0, failed = 0, cancelled = 0;
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"soak: {requests} requests on {folder}, {Parallel} at a time");
        Console.WriteLine("requests  managed MB  working set MB");
        while (done < requests)
        {
            var batch = Enumerable.Range(done, Math.Min(Parallel, requests - done)).Select(i => Task.Run(() => OneAsync(generator, i))).ToArray();
            foreach (var outcome in await Task.WhenAll(batch))
            {
                failed += outcome == Outcome.Failed ? 1 : 0;
                cancelled += outcome == Outcome.Cancelled ? 1 : 0;
            }

            done += batch.Length;
            if (done % SampleEvery == 0 || done == requests)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                var sample = (done, GC.GetTotalMemory(forceFullCollection: true), Process.GetCurrentProcess().WorkingSet64);
                samples.Add(sample);
                Console.WriteLine($"{sample.done,8}  {sample.Item2 / 1e6,10:F1}  {sample.WorkingSet64 / 1e6,14:F1}");
            }
        }

        // The first sample is the warm-up (pools, JIT, caches); growth is measured from there to the end.
        var (first, last) = (samples[0], samples[^1]);
        Console.WriteLine($"{done} requests in {clock.Elapsed.TotalSeconds:F1} s ({failed} failed on purpose, {cancelled} cancelled on purpose)");
        Console.WriteLine($"growth after warm-up: managed {(double)last.Managed / first.Managed:F3}x, working set {(double)last.WorkingSet / first.WorkingSet:F3}x");
        return 0;
    }

    private enum Outcome
    {
        Completed,
        Cancelled,
        Failed,
    }

    private static async Task<Outcome> OneAsync(TextGenerator generator, int i)
    {
        int[][] prompt = [[464 + (i % 50), 2068, 7586, 21831 + (i % 7)]];
        try
        {
            switch (i % 6)
            {
                case 0:
                    await generator.GenerateAsync(GenerationRequest.FromIds(prompt, new GenerationOptions { MaxNewTokens = 16 }));
                    return Outcome.Completed;
                case 1:
                    await generator.GenerateAsync(GenerationRequest.FromIds(prompt, new GenerationOptions { MaxNewTokens = 16, DoSample = true, Seed = i, TopP = 0.9 }));
                    return Outcome.Completed;
                case 2:
                    await generator.GenerateAsync(GenerationRequest.FromIds(prompt, new GenerationOptions { MaxNewTokens = 8, NumBeams = 3 }));
                    return Outcome.Completed;
                case 3:
                    await foreach (var update in generator.GenerateStreamingAsync(GenerationRequest.FromIds(prompt, new GenerationOptions { MaxNewTokens = 16 })))
                    {
                        _ = update;
                    }

                    return Outcome.Completed;
                case 4:
                    using (var cancel = new CancellationTokenSource())
                    {
                        await foreach (var update in generator.GenerateStreamingAsync(GenerationRequest.FromIds(prompt, new GenerationOptions { MaxNewTokens = 40 }), cancel.Token))
                        {
                            await cancel.CancelAsync();
                        }
                    }

                    return Outcome.Completed;
                default:
                    await generator.GenerateAsync(GenerationRequest.FromIds(prompt, new GenerationOptions { MaxNewTokens = 4, TopP = 7 }));
                    return Outcome.Completed;
            }
        }
        catch (OperationCanceledException)
        {
            return Outcome.Cancelled;
        }
        catch (GenerationConfigurationException)
        {
            return Outcome.Failed;
        }
    }

    private static string FindFixture()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "tests", "fixtures", "gpt2-tiny");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/fixtures/gpt2-tiny was not found above the benchmark's folder; pass a model folder.");
    }
}
