using System.Diagnostics;
using System.Numerics.Tensors;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2.Benchmarks;

/// <summary>The measured workloads shared by <c>gpt2kit bench</c> and the BenchmarkDotNet suite: a long prefill, and
/// greedy decoding after a short prompt at a given batch size.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class ModelWorkloads
{
    /// <summary>Seeded token ids in <c>0..vocab−1</c>.</summary>
    public static int[] RandomTokens(int count, int vocab, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(vocab)).ToArray();
    }

    /// <summary>One forward pass over <paramref name="promptTokens"/> positions of one row (last-position logits).</summary>
    public static TimeSpan Prefill(ICausalLanguageModel model, int promptTokens, int seed = 1)
    {
        int[] tokens = RandomTokens(promptTokens, model.Info.VocabSize, seed);
        int[] positions = Enumerable.Range(0, promptTokens).ToArray();
        int[] mask = Enumerable.Repeat(1, promptTokens).ToArray();
        float[] logits = new float[model.Info.VocabSize];
        using var session = model.CreateSession(1, promptTokens);
        var watch = Stopwatch.StartNew();
        session.Forward(tokens, positions, mask, logits);
        return watch.Elapsed;
    }

    /// <summary>Greedy decoding of <paramref name="newTokens"/> steps for <paramref name="batch"/> rows after a
    /// <paramref name="promptTokens"/>-token prompt; only the steps are timed.</summary>
    public static DecodeMeasurement Decode(ICausalLanguageModel model, int batch, int promptTokens, int newTokens, int seed = 2)
    {
        int vocab = model.Info.VocabSize;
        int[] prompt = RandomTokens(batch * promptTokens, vocab, seed);
        int[] positions = new int[batch * promptTokens];
        for (int i = 0; i < positions.Length; i++)
        {
            positions[i] = i % promptTokens;
        }

        int[] mask = Enumerable.Repeat(1, batch * promptTokens).ToArray();
        float[] logits = new float[batch * vocab];
        int[] next = new int[batch];
        int[] stepPositions = new int[batch];
        int[] stepMask = Enumerable.Repeat(1, batch).ToArray();
        using var session = model.CreateSession(batch, promptTokens + newTokens);
        session.Forward(prompt, positions, mask, logits);

        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 0; step < newTokens; step++)
        {
            for (int r = 0; r < batch; r++)
            {
                next[r] = TensorPrimitives.IndexOfMax(new ReadOnlySpan<float>(logits, r * vocab, vocab));
                stepPositions[r] = promptTokens + step;
            }

            session.Forward(next, stepPositions, stepMask, logits);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        var elapsed = watch.Elapsed;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        return new DecodeMeasurement(batch, promptTokens, newTokens, elapsed, cpu, allocated);
    }
}

/// <summary>The timing of one decoding run.</summary>
/// <param name="Batch">Rows decoded together.</param>
/// <param name="PromptTokens">Prompt length per row.</param>
/// <param name="Steps">Decoding steps (new tokens per row).</param>
/// <param name="Elapsed">Time of the steps.</param>
/// <param name="ProcessorTime">CPU time the whole process used during the steps (all threads; idle workers spin a little).</param>
/// <param name="AllocatedBytes">Bytes the calling thread allocated during the steps.</param>
internal sealed record DecodeMeasurement(int Batch, int PromptTokens, int Steps, TimeSpan Elapsed, TimeSpan ProcessorTime, long AllocatedBytes)
{
    /// <summary>Milliseconds per step.</summary>
    public double MillisecondsPerStep => Elapsed.TotalMilliseconds / Steps;

    /// <summary>Steps per second (tokens per second of one row).</summary>
    public double StepsPerSecond => Steps / Elapsed.TotalSeconds;

    /// <summary>New tokens per second over all rows.</summary>
    public double TokensPerSecond => Batch * StepsPerSecond;
}
