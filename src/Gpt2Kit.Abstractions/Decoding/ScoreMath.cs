using System.Numerics.Tensors;

namespace Gpt2Kit.Decoding;

/// <summary>Span-in/span-out score arithmetic for strategies, processors and plugins: softmax, log-softmax, log-sum-exp,
/// argmax, top-k selection and the seeded draw, with Hugging Face's conventions (float32 scores, filtered entries at −∞,
/// the first index wins ties). The built-in strategies and processors use exactly these, so a plugin that uses them
/// computes what the host computes.</summary>
/// <remarks>Stateless; thread-safe. Scratch spans are the caller's, so nothing is allocated.</remarks>
public static class ScoreMath
{
    /// <summary><c>softmax(scores)</c> into <paramref name="probabilities"/>, as PyTorch computes it on the CPU:
    /// <c>exp(x − max)</c> scaled by the reciprocal of its sum. Returns <c>logsumexp(scores)</c>.</summary>
    public static float Softmax(ReadOnlySpan<float> scores, Span<float> probabilities)
    {
        var max = TensorPrimitives.Max(scores);
        var p = probabilities[..scores.Length];
        TensorPrimitives.Subtract(scores, max, p);
        TensorPrimitives.Exp(p, p);
        var sum = TensorPrimitives.Sum(p);
        TensorPrimitives.Multiply(p, 1f / sum, p);
        return max + MathF.Log(sum);
    }

    /// <summary><c>log Σ exp(x)</c>; −∞ when every entry is −∞, +∞ when one is +∞.</summary>
    /// <param name="values">The row.</param>
    /// <param name="scratch">At least as long as <paramref name="values"/> (overwritten).</param>
    public static float LogSumExp(ReadOnlySpan<float> values, Span<float> scratch)
    {
        float max = Max(values);
        if (float.IsNegativeInfinity(max) || float.IsNaN(max) || float.IsPositiveInfinity(max))
        {
            return max;
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
        TensorPrimitives.Subtract(values, lse, destination[..values.Length]);
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
            if (float.IsNaN(v) || (count == k && !(v > topValues[k - 1])))
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

    /// <summary>Draws one index from <c>softmax(scores)</c> with <paramref name="random"/>: probabilities in double
    /// precision from <c>exp(s − max)</c>, one <see cref="Random.NextDouble"/> per draw, so a seeded source gives the same
    /// index on every run and thread.</summary>
    /// <param name="scores">Processed scores; −∞ entries have probability 0.</param>
    /// <param name="random">The request's random source.</param>
    /// <param name="weights">Scratch of at least <paramref name="scores"/>.Length entries.</param>
    /// <exception cref="InvalidOperationException">Every score is −∞ or NaN, or one is +∞.</exception>
    public static int Draw(ReadOnlySpan<float> scores, Random random, Span<double> weights)
    {
        ArgumentNullException.ThrowIfNull(random);
        double total = Weights(scores, weights);
        return DrawFromWeights(weights[..scores.Length], total, random);
    }

    /// <summary>Draws one index with probability proportional to <paramref name="weights"/> (entries &lt;= 0 never), given
    /// their <paramref name="total"/>; one <see cref="Random.NextDouble"/> per draw.</summary>
    /// <returns>The index, or −1 when no weight is positive.</returns>
    public static int DrawFromWeights(ReadOnlySpan<double> weights, double total, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double target = random.NextDouble() * total;
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < weights.Length; i++)
        {
            double w = weights[i];
            if (w <= 0)
            {
                continue;
            }

            cumulative += w;
            last = i;
            if (cumulative > target)
            {
                return i;
            }
        }

        // Rounding can leave the target a hair above the sum: the last index with weight takes it.
        return last;
    }

    /// <summary>Draws <paramref name="picked"/>.Length distinct indices, each in turn from <c>softmax(scores)</c> over the
    /// indices not drawn yet (multinomial sampling without replacement). When fewer indices have a non-zero probability,
    /// the remaining slots take the highest-scoring indices left, so the result is always complete.</summary>
    public static void DrawWithoutReplacement(ReadOnlySpan<float> scores, Random random, Span<int> picked, Span<double> weights)
    {
        ArgumentNullException.ThrowIfNull(random);
        double total = Weights(scores, weights);
        for (int n = 0; n < picked.Length; n++)
        {
            int choice = total > 0 ? DrawFromWeights(weights[..scores.Length], total, random) : -1;
            if (choice < 0)
            {
                // Nothing (or only rounding residue) is left of the total.
                total = 0;
                picked[n] = HighestRemaining(scores, weights, picked[..n]);
                continue;
            }

            picked[n] = choice;
            total = Math.Max(0, total - weights[choice]);
            weights[choice] = 0;
        }
    }

    private static double Weights(ReadOnlySpan<float> scores, Span<double> weights)
    {
        float max = Max(scores);
        if (float.IsNegativeInfinity(max) || float.IsNaN(max))
        {
            throw new InvalidOperationException("Every token was filtered out (all scores are -Infinity or NaN); nothing can be sampled.");
        }

        if (float.IsPositiveInfinity(max))
        {
            throw new InvalidOperationException("A score is +Infinity (e.g. a tiny temperature); the probabilities are undefined, so nothing can be sampled.");
        }

        double total = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            float s = scores[i];
            double w = s > float.NegativeInfinity ? Math.Exp((double)s - max) : 0;
            weights[i] = w;
            total += w;
        }

        return total;
    }

    private static int HighestRemaining(ReadOnlySpan<float> scores, Span<double> weights, ReadOnlySpan<int> taken)
    {
        int best = -1;
        for (int i = 0; i < scores.Length; i++)
        {
            if (!taken.Contains(i) && (best < 0 || scores[i] > scores[best]))
            {
                best = i;
            }
        }

        weights[best] = 0;
        return best;
    }
}
