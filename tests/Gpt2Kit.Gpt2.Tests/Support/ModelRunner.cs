using Gpt2Kit.Models;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Gpt2.Tests.Support;

/// <summary>Loads the fixture checkpoints once per test run and runs simple forwards on them.</summary>
public static class ModelRunner
{
    private static readonly Lazy<Gpt2Model> Tiny = new(() => Gpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny"), new ModelLoadOptions { Threads = 2 }));
    private static readonly Lazy<Gpt2Model> TinyF16 = new(() => Gpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny-f16"), new ModelLoadOptions { Threads = 2 }));

    public static TheoryData<string> Checkpoints => new() { "gpt2-tiny", "gpt2-tiny-f16" };

    /// <summary>A shared model of a fixture checkpoint (never disposed: tests share it).</summary>
    public static Gpt2Model Model(string checkpoint) => checkpoint switch
    {
        "gpt2-tiny" => Tiny.Value,
        "gpt2-tiny-f16" => TinyF16.Value,
        _ => throw new ArgumentException(checkpoint),
    };

    /// <summary>One row without padding, positions 0..n−1: logits of every position, <c>[n, vocab]</c>.</summary>
    public static float[] AllPositionLogits(ICausalLanguageModel model, int[] ids)
    {
        using var session = model.CreateSession(1, ids.Length);
        float[] logits = new float[ids.Length * model.Info.VocabSize];
        session.Forward(ids, Enumerable.Range(0, ids.Length).ToArray(), Ones(ids.Length), logits, allPositions: true);
        return logits;
    }

    /// <summary>One row without padding: the last position's logits.</summary>
    public static float[] LastLogits(ICausalLanguageModel model, int[] ids)
    {
        using var session = model.CreateSession(1, ids.Length);
        float[] logits = new float[model.Info.VocabSize];
        session.Forward(ids, Enumerable.Range(0, ids.Length).ToArray(), Ones(ids.Length), logits);
        return logits;
    }

    public static int[] Ones(int count) => Enumerable.Repeat(1, count).ToArray();

    public static int[] RandomIds(int count, int seed, int vocab = 50257)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(vocab)).ToArray();
    }

    /// <summary>The largest absolute difference of two equally long spans.</summary>
    public static float MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        a.Length.Should().Be(b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }
}
