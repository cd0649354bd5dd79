using FluentAssertions;
using Gpt2Kit.Models;

namespace Gpt2Kit.Testing.Conformance;

/// <summary>Simple forward passes on any <see cref="ICausalLanguageModel"/>, and the inputs the model tests use.</summary>
public static class ModelRuns
{
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

    /// <summary><paramref name="count"/> ones (an attention mask without padding).</summary>
    public static int[] Ones(int count) => Enumerable.Repeat(1, count).ToArray();

    /// <summary>Reproducible random token ids.</summary>
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

    /// <summary>log_softmax(row)[index], in double.</summary>
    public static double LogSoftmaxAt(ReadOnlySpan<float> row, int index)
    {
        double max = double.NegativeInfinity;
        foreach (float v in row)
        {
            max = Math.Max(max, v);
        }

        double sum = 0;
        foreach (float v in row)
        {
            sum += Math.Exp(v - max);
        }

        return row[index] - max - Math.Log(sum);
    }
}
