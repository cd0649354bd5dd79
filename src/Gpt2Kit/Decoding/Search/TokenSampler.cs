namespace Gpt2Kit.Decoding.Search;

/// <summary>Draws tokens from <c>softmax(scores)</c> with a request's <see cref="Random"/>.</summary>
/// <remarks>Stateless; thread-safe as long as each request uses its own <see cref="Random"/>. Probabilities are
/// computed in double precision from <c>exp(s − max)</c>; one <see cref="Random.NextDouble"/> per draw, so the same
/// seed gives the same tokens on every run and thread.</remarks>
internal static class TokenSampler
{
    /// <summary>Draws one index from <c>softmax(scores)</c>.</summary>
    /// <param name="scores">Processed scores; −∞ entries have probability 0.</param>
    /// <param name="random">The request's random source.</param>
    /// <param name="weights">Scratch of at least <paramref name="scores"/>.Length entries.</param>
    /// <exception cref="InvalidOperationException">Every score is −∞ or NaN.</exception>
    public static int Sample(ReadOnlySpan<float> scores, Random random, Span<double> weights)
    {
        double total = Weights(scores, weights);
        double target = random.NextDouble() * total;
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < scores.Length; i++)
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

        // Rounding can leave the target a hair above the sum: the last token with weight takes it.
        return last;
    }

    /// <summary>Draws <paramref name="picked"/>.Length distinct indices, each in turn from <c>softmax(scores)</c> over the
    /// indices not drawn yet (multinomial sampling without replacement). When fewer indices have a non-zero probability,
    /// the remaining slots take the highest-scoring indices left, so the result is always complete.</summary>
    public static void SampleWithoutReplacement(ReadOnlySpan<float> scores, Random random, Span<int> picked, Span<double> weights)
    {
        double total = Weights(scores, weights);
        for (int n = 0; n < picked.Length; n++)
        {
            if (!(total > 0))
            {
                picked[n] = HighestRemaining(scores, weights, picked[..n]);
                continue;
            }

            double target = random.NextDouble() * total;
            double cumulative = 0;
            int choice = -1;
            for (int i = 0; i < scores.Length; i++)
            {
                double w = weights[i];
                if (w <= 0)
                {
                    continue;
                }

                cumulative += w;
                choice = i;
                if (cumulative > target)
                {
                    break;
                }
            }

            if (choice < 0)
            {
                // Only rounding residue was left of the total.
                total = 0;
                picked[n] = HighestRemaining(scores, weights, picked[..n]);
                continue;
            }

            picked[n] = choice;
            total -= weights[choice];
            weights[choice] = 0;
            if (total < 0)
            {
                total = 0;
            }
        }
    }

    private static double Weights(ReadOnlySpan<float> scores, Span<double> weights)
    {
        NonFiniteScores.CheckSamplingInput(scores);
        float max = ScoreMath.Max(scores);
        if (float.IsNegativeInfinity(max) || float.IsNaN(max))
        {
            throw new InvalidOperationException("Every token was filtered out (all scores are -Infinity or NaN); nothing can be sampled.");
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
            if (taken.Contains(i))
            {
                continue;
            }

            if (best < 0 || scores[i] > scores[best])
            {
                best = i;
            }
        }

        weights[best] = 0;
        return best;
    }
}
