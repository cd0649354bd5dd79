using System.Numerics;
using System.Runtime.InteropServices;

namespace Gpt2Kit.Decoding.Search;

/// <summary>Finds NaN and infinite scores, so that a model or processor that produces them fails the request with an error
/// naming the row, the step and the source, instead of a token being chosen from meaningless numbers. The rules:
/// logits from the model must not hold NaN or +∞; after the chain NaN is an error (−∞ is how processors filter);
/// sampling also refuses +∞, as Hugging Face's <c>torch.multinomial</c> does (greedy and beam search take its argmax).</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class NonFiniteScores
{
    /// <summary>Throws when the model's <paramref name="logits"/> for <paramref name="row"/> hold NaN or +∞.</summary>
    /// <exception cref="InvalidOperationException">The message names the row, the step and the first bad token id.</exception>
    public static void CheckModelOutput(ReadOnlySpan<float> logits, int row, int step)
    {
        if (IndexOfNaNOrPositiveInfinity(logits, rejectPositiveInfinity: true) is int id and >= 0)
        {
            throw new InvalidOperationException(
                $"the model produced {Describe(logits[id])} logits (row {row}, step {step}, token id {id}); the checkpoint's weights or the backend are broken, so no token is chosen.");
        }
    }

    /// <summary>Throws when <paramref name="scores"/> of <paramref name="row"/> hold NaN after <paramref name="source"/> rewrote them.</summary>
    /// <exception cref="InvalidOperationException">The message names the source, the row, the step and the first bad token id.</exception>
    public static void CheckProcessed(ReadOnlySpan<float> scores, string source, int row, int step)
    {
        if (IndexOfNaNOrPositiveInfinity(scores, rejectPositiveInfinity: false) is int id and >= 0)
        {
            throw new InvalidOperationException(
                $"{source} produced NaN scores (row {row}, step {step}, token id {id}); no token is chosen from them.");
        }
    }

    /// <summary>Throws when <paramref name="scores"/> cannot be turned into probabilities: NaN or +∞ anywhere (a tiny
    /// temperature, an infinite bias). Hugging Face raises in <c>torch.multinomial</c> there.</summary>
    /// <exception cref="InvalidOperationException">The message names the first bad token id.</exception>
    public static void CheckSamplingInput(ReadOnlySpan<float> scores)
    {
        if (IndexOfNaNOrPositiveInfinity(scores, rejectPositiveInfinity: true) is int id and >= 0)
        {
            throw new InvalidOperationException(
                $"cannot sample: the score of token id {id} is {Describe(scores[id])} (probability tensor contains inf or nan); a temperature near 0 or an infinite bias does this; use greedy decoding or a larger temperature.");
        }
    }

    /// <summary>The first index holding NaN (or +∞ when <paramref name="rejectPositiveInfinity"/>), or −1.</summary>
    public static int IndexOfNaNOrPositiveInfinity(ReadOnlySpan<float> values, bool rejectPositiveInfinity)
    {
        // Exponent bits all ones: ±∞ or NaN. Checked a vector at a time; the rare hit is then classified one by one.
        var bits = MemoryMarshal.Cast<float, int>(values);
        var exponent = new Vector<int>(0x7F800000);
        int i = 0;
        for (; i <= bits.Length - Vector<int>.Count; i += Vector<int>.Count)
        {
            var v = new Vector<int>(bits.Slice(i, Vector<int>.Count));
            if (Vector.EqualsAny(v & exponent, exponent) && FirstBad(values.Slice(i, Vector<int>.Count), rejectPositiveInfinity) is int hit and >= 0)
            {
                return i + hit;
            }
        }

        return FirstBad(values[i..], rejectPositiveInfinity) is int tail and >= 0 ? i + tail : -1;
    }

    private static int FirstBad(ReadOnlySpan<float> values, bool rejectPositiveInfinity)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]) || (rejectPositiveInfinity && float.IsPositiveInfinity(values[i])))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Describe(float value) => float.IsNaN(value) ? "NaN" : "+Infinity";
}
