using System.Numerics.Tensors;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2.Benchmarks;

/// <summary>How far a model in a reduced weight format is from the same checkpoint in fp32, over one text scored at
/// every position (teacher forcing): the largest logit difference, the next-token KL divergence <c>KL(p_f32 ‖ p)</c>
/// and how often both pick the same top token.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class DTypeAccuracy
{
    /// <summary>Scores <paramref name="tokens"/> with both models and compares every position's next-token distribution.</summary>
    public static AccuracyMeasurement Measure(ICausalLanguageModel reference, ICausalLanguageModel candidate, int[] tokens)
    {
        int vocab = reference.Info.VocabSize;
        float[] expected = AllLogits(reference, tokens), actual = AllLogits(candidate, tokens);
        float[] p = new float[vocab], logP = new float[vocab], logQ = new float[vocab];
        double maxError = 0, klSum = 0, klMax = 0;
        int agree = 0;
        for (int t = 0; t < tokens.Length; t++)
        {
            var e = expected.AsSpan(t * vocab, vocab);
            var a = actual.AsSpan(t * vocab, vocab);
            for (int v = 0; v < vocab; v++)
            {
                maxError = Math.Max(maxError, Math.Abs(e[v] - a[v]));
            }

            LogSoftmax(e, logP);
            LogSoftmax(a, logQ);
            TensorPrimitives.Exp(logP, p);
            double kl = 0;
            for (int v = 0; v < vocab; v++)
            {
                kl += p[v] * ((double)logP[v] - logQ[v]);
            }

            klSum += kl;
            klMax = Math.Max(klMax, kl);
            agree += TensorPrimitives.IndexOfMax(e) == TensorPrimitives.IndexOfMax(a) ? 1 : 0;
        }

        return new AccuracyMeasurement(tokens.Length, maxError, klSum / tokens.Length, klMax, (double)agree / tokens.Length);
    }

    private static float[] AllLogits(ICausalLanguageModel model, int[] tokens)
    {
        int n = tokens.Length;
        float[] logits = new float[(long)n * model.Info.VocabSize];
        using var session = model.CreateSession(1, n);
        session.Forward(tokens, Enumerable.Range(0, n).ToArray(), Enumerable.Repeat(1, n).ToArray(), logits, allPositions: true);
        return logits;
    }

    private static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> destination)
    {
        float max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, destination);
        double sum = 0;
        foreach (float value in destination)
        {
            sum += Math.Exp(value);
        }

        TensorPrimitives.Subtract(destination, (float)Math.Log(sum), destination);
    }
}

/// <summary>The result of <see cref="DTypeAccuracy.Measure"/>.</summary>
/// <param name="Positions">Positions compared.</param>
/// <param name="MaxAbsLogitError">The largest |logit − fp32 logit| over every position and token.</param>
/// <param name="MeanKl">The mean over positions of <c>KL(p_f32 ‖ p)</c>, in nats.</param>
/// <param name="MaxKl">The largest per-position KL divergence.</param>
/// <param name="Top1Agreement">The fraction of positions whose most likely token is the fp32 model's.</param>
internal sealed record AccuracyMeasurement(int Positions, double MaxAbsLogitError, double MeanKl, double MaxKl, double Top1Agreement);
