using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.SafeTensors;
using Gpt2Kit.Models;
using Gpt2Kit.Testing;
using Gpt2Kit.Testing.Conformance;

namespace Gpt2Kit.TorchSharp.Tests;

/// <summary>Runs alone (no other test allocates meanwhile), so the process's resident memory is a fair measure of
/// libtorch's native memory.</summary>
[CollectionDefinition(nameof(NativeMemory), DisableParallelization = true)]
public sealed class NativeMemory
{
    /// <summary>Resident bytes of this process (/proc/self/statm), after a full garbage collection so that no finalizer
    /// frees a tensor late.</summary>
    public static long Resident() => Statm(1);

    /// <summary>Mapped (virtual) bytes of this process: a block above glibc's mmap threshold counts from its allocation
    /// to its release, whether its pages were touched yet or not.</summary>
    public static long Mapped() => Statm(0);

    private static long Statm(int field)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        string[] fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[field]) * Environment.SystemPageSize;
    }
}

/// <summary>No tensor outlives its step (resident memory stays flat over 1,000 decode steps), and disposing a session
/// or the model gives its memory back (mapped memory drops by its size; those blocks are above glibc's largest mmap
/// threshold, so freeing them unmaps them at once). Thresholds are far from both the leak they catch and the noise.</summary>
[Collection(nameof(NativeMemory))]
public sealed class NativeMemoryTests
{
    private const long MiB = 1 << 20;

    [Fact]
    public void A_thousand_decode_steps_leave_native_memory_flat()
    {
        using var model = TorchSharpGpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny"), new TorchSharpOptions { Device = "cpu" });
        const int Rows = 1, Prompt = 8;
        int vocab = model.Info.VocabSize;
        using var session = model.CreateSession(Rows, 64);
        float[] logits = new float[Rows * vocab];
        int[] prompt = ModelRuns.RandomIds(Rows * Prompt, seed: 3);
        int[] positions = Enumerable.Range(0, Rows).SelectMany(_ => Enumerable.Range(0, Prompt)).ToArray();
        session.Forward(prompt, positions, ModelRuns.Ones(Rows * Prompt), logits);

        var random = new Random(4);
        int[] next = new int[Rows], nextPositions = new int[Rows], ones = ModelRuns.Ones(Rows);
        long before = 0;
        for (int step = 0; step < 1000; step++)
        {
            if (step == 100)
            {
                before = NativeMemory.Resident();
            }

            if (session.Length == session.Capacity)
            {
                session.Truncate(Prompt);
            }

            for (int r = 0; r < Rows; r++)
            {
                next[r] = random.Next(vocab);
                nextPositions[r] = session.Length;
            }

            session.Forward(next, nextPositions, ones, logits);
        }

        long growth = NativeMemory.Resident() - before;

        // Each step makes over 0.2 MB of tensors (50,257 fp32 logits and the activations); leaking them would add over 180 MB.
        growth.Should().BeLessThan(24 * MiB, $"resident memory grew by {growth / (double)MiB:F1} MiB over 900 decode steps");
        logits.Should().OnlyContain(v => float.IsFinite(v));
    }

    [Fact]
    public void Disposing_a_session_and_the_model_returns_their_memory()
    {
        using var folder = new TempFolder();

        // Tensors above glibc's largest mmap threshold (32 MiB) go straight back to the system when freed.
        var config = Gpt2Config.FromPreset("tiny") with { HiddenSize = 192, HeadCount = 4, InnerSize = 768 };
        Gpt2RandomCheckpoint.Write(folder.Path, config, SafeTensorsDType.F32);
        // The managed buffers come first: the 80 MB logits array grows the .NET heap's mapping.
        int[] tokens = Enumerable.Repeat(1, 400).ToArray();
        int[] positions = new int[400];
        int[] ones = ModelRuns.Ones(400);
        float[] logits = new float[400 * config.VocabSize];
        long start = NativeMemory.Mapped();
        var model = TorchSharpGpt2Model.FromPretrained(folder.Path, new TorchSharpOptions { Device = "cpu" });
        long weights = model.WeightBytes;
        weights.Should().BeGreaterThan(38 * MiB);
        long loaded = NativeMemory.Mapped();
        (loaded - start).Should().BeGreaterThan(weights / 2, "the weights are allocated");

        // 400 rows × 4 heads × 128 positions × 48 floats × 4 bytes = 39 MB per layer for keys and again for values.
        var session = model.CreateSession(400, 128);
        long cache = model.SessionBytes(400, 128);
        long withSession = NativeMemory.Mapped();
        (withSession - loaded).Should().BeGreaterThan(cache * 3 / 4, "the KV cache is allocated up front");

        // A step still runs on it (and fills the first positions) before it goes. The step may start libtorch's worker
        // threads, whose malloc arenas stay mapped for the process's life (64 MiB each, more on a machine with more
        // cores), so the release is measured from after the step.
        session.Forward(tokens, positions, ones, logits);
        logits.Should().OnlyContain(v => float.IsFinite(v));
        long afterStep = NativeMemory.Mapped();

        session.Dispose();
        long afterSession = NativeMemory.Mapped();
        (afterStep - afterSession).Should().BeGreaterThan(cache * 3 / 4, "disposing the session frees its cache");

        model.Dispose();
        long afterModel = NativeMemory.Mapped();
        (afterSession - afterModel).Should().BeGreaterThan(weights / 2, "disposing the model frees its weights");

        // Both are still referenced here, so what came back was freed by Dispose, not by a finalizer.
        GC.KeepAlive(session);
        GC.KeepAlive(model);
        GC.KeepAlive(logits);
    }
}
