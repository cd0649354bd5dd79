using Gpt2Kit.Decoding.Processors;
using static Gpt2Kit.Tests.Decoding.Processors.ProcessorTestKit;

namespace Gpt2Kit.Tests.Decoding.Processors;

public class TypicalPProcessorTests
{
    // For (0.5, 0.3, 0.15, 0.05): H = 1.1421, d = |−ln p − H| = (0.449, 0.062, 0.755, 1.854);
    // the order by d is ids 1, 0, 2, 3 with cumulative mass 0.3, 0.8, 0.95, 1.
    [Theory]
    [InlineData(0.5, new[] { 0, 1 })]     // #(c < 0.5) = 1 → keep d ≤ d(id 0).
    [InlineData(0.9, new[] { 0, 1, 2 })]  // #(c < 0.9) = 2.
    [InlineData(0.2, new[] { 1 })]        // #(c < 0.2) = 0: only the most typical token, not the most likely one.
    public void Keeps_the_most_typical_tokens_until_their_mass_reaches_p(double mass, int[] kept)
    {
        var scores = LogsOf(0.5, 0.3, 0.15, 0.05);
        var result = Run(new TypicalPProcessor(mass, 1), scores);
        for (var i = 0; i < scores.Length; i++)
        {
            result[i].Should().Be(kept.Contains(i) ? scores[i] : NegInf);
        }
    }

    [Fact]
    public void Min_tokens_keeps_the_head_of_the_typicality_order()
    {
        var scores = LogsOf(0.5, 0.3, 0.15, 0.05);
        Run(new TypicalPProcessor(0.2, 2), scores).Should().Equal(scores[0], scores[1], NegInf, NegInf);
    }

    [Fact]
    public void Filtered_tokens_stay_filtered()
    {
        var scores = new[] { 1f, NegInf, 0.5f, 0.2f };
        Run(new TypicalPProcessor(0.99, 1), scores)[1].Should().Be(NegInf);
    }

    [Theory]
    [InlineData(0.2, 11)]
    [InlineData(0.8, 12)]
    [InlineData(0.95, 13)]
    public void Matches_a_full_sort_of_a_large_vocabulary(double mass, int seed)
    {
        var scores = RandomLogits(50257, seed, scale: 2);
        var result = Run(new TypicalPProcessor(mass, 1), scores);

        // Hugging Face's algorithm written out literally, in double precision.
        var max = scores.Max();
        var logSumExp = max + Math.Log(scores.Sum(s => Math.Exp(s - max)));
        var logProbabilities = scores.Select(s => s - logSumExp).ToArray();
        var entropy = -logProbabilities.Sum(lp => Math.Exp(lp) * lp);
        var distance = logProbabilities.Select(lp => Math.Abs(-lp - entropy)).ToArray();
        var order = Enumerable.Range(0, scores.Length).OrderBy(i => distance[i]).ToArray();
        double cumulative = 0;
        var below = 0;
        foreach (var id in order)
        {
            cumulative += Math.Exp(logProbabilities[id]);
            if (cumulative >= mass)
            {
                break;
            }

            below++;
        }

        var limit = distance[order[Math.Min(below, scores.Length - 1)]];
        for (var i = 0; i < scores.Length; i++)
        {
            result[i].Should().Be(distance[i] > limit && i != order[0] ? NegInf : scores[i], $"token {i}");
        }
    }
}
