using System.Numerics.Tensors;

namespace Gpt2Kit.Decoding.Search;

/// <summary>Row-wise score arithmetic shared by the search strategies: log-sum-exp, log-softmax, argmax and top-k,
/// with Hugging Face's conventions (float32 values, filtered entries at −∞, first index wins ties).</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class ScoreMath
{
    /// <summary><c>log Σ exp(x)</c>; −∞ when every entry is −∞.</summary>
    /// <param name="values">The row.</param>
    /// <param name="scratch">A buffer at least as long as <paramref name="values"/> (overwritten).</param>
    public static float LogSumExp(ReadOnlySpan<float> values, Span<float> scratch)
    {
        float max = Max(values);
        if (float.IsNegativeInfinity(max) || float.IsNaN(max))
        {
            return max;
        }

        if (float.IsPositiveInfinity(max))
        {
            return float.PositiveInfinity;
        }

        var shifted = scratch[..values.Length];
        TensorPrimitives.Subtract(values, max, shifted);
        TensorPrimitives.Exp(shifted, shifted);
        return max + MathF.Log(TensorPrimitives.Sum(shifted));
    }

    /// <summary>Writes <c>log_softmax(values)</c> into <paramref name="destination"/> (may alias <paramref name="values"/>).</summary>
    public static void LogSoftmax(ReadOnlySpan<float> values, Span<float> destination, Span<float> scratch)
    {
        float lse = LogSumExp(values, scratch);
        TensorPrimitives.Subtract(values, lse, destination);
    }

    /// <summary>The largest value, ignoring NaN; −∞ for an empty or fully filtered row.</summary>
    public static float Max(ReadOnlySpan<float> values)
    {
        float max = float.NegativeInfinity;
        foreach (var v in values)
        {
            if (v > max)
            {
                max = v;
            }
        }

        return max;
    }

    /// <summary>The index of the largest value; the first one on ties (as <c>torch.argmax</c>).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        float max = values[0];
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > max || (float.IsNaN(max) && !float.IsNaN(values[i])))
            {
                max = values[i];
                best = i;
            }
        }

        return best;
    }

    /// <summary>Selects the <paramref name="indices"/>.Length largest entries of <paramref name="values"/>, sorted descending;
    /// among equal values the lower index comes first. Filtered (−∞) entries are selected only when nothing better is left.</summary>
    /// <returns>How many entries were filled (less than requested only when <paramref name="values"/> is shorter).</returns>
    public static int TopK(ReadOnlySpan<float> values, Span<int> indices, Span<float> topValues)
    {
        int k = Math.Min(indices.Length, values.Length);
        int count = 0;
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (float.IsNaN(v))
            {
                continue;
            }

            if (count == k && !(v > topValues[k - 1]))
            {
                continue;
            }

            // Insertion keeps the selection sorted; a later index never passes an equal earlier one.
            int pos = count < k ? count : k - 1;
            while (pos > 0 && v > topValues[pos - 1])
            {
                if (pos < k)
                {
                    topValues[pos] = topValues[pos - 1];
                    indices[pos] = indices[pos - 1];
                }

                pos--;
            }

            topValues[pos] = v;
            indices[pos] = i;
            if (count < k)
            {
                count++;
            }
        }

        // Rows made only of NaN: fill the rest with the first indices so callers always get k entries.
        for (int i = 0; count < k && i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
            {
                indices[count] = i;
                topValues[count] = values[i];
                count++;
            }
        }

        return count;
    }
}
