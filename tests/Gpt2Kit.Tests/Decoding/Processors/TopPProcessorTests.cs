using Gpt2Kit.Decoding.Processors;
using static Gpt2Kit.Tests.Decoding.Processors.ProcessorTestKit;

namespace Gpt2Kit.Tests.Decoding.Processors;

public class TopPProcessorTests
{
    [Theory]
    [InlineData(0.75, 2)] // 0.5 < 0.75, then 0.3 crosses the threshold and is kept.
    [InlineData(0.85, 3)]
    [InlineData(0.99, 4)]
    [InlineData(0.3, 1)]
    public void Keeps_the_smallest_top_set_whose_mass_reaches_p(double p, int survivors)
    {
        var scores = LogsOf(0.5, 0.3, 0.15, 0.05);
        Run(new TopPProcessor(p, 1), scores).Should().Equal(scores.Select((s, i) => i < survivors ? s : NegInf));
    }

    [Fact]
    public void P_zero_keeps_exactly_min_tokens()
    {
        var scores = LogsOf(0.1, 0.5, 0.3, 0.1);
        Run(new TopPProcessor(0, 1), scores).Should().Equal(NegInf, scores[1], NegInf, NegInf);
        Run(new TopPProcessor(0, 2), scores).Should().Equal(NegInf, scores[1], scores[2], NegInf);
    }

    [Fact]
    public void Among_equal_scores_the_higher_ids_are_kept_as_with_a_stable_ascending_sort()
    {
        // Ascending stable order is ids 0,1,2,3 with cumulative mass 0.25, 0.5, 0.75, 1; removed where ≤ 0.7.
        Run(new TopPProcessor(0.3, 1), [1f, 1f, 1f, 1f]).Should().Equal(NegInf, NegInf, 1f, 1f);
    }

    [Theory]
    [InlineData(0.05, 1)]
    [InlineData(0.5, 2)]
    [InlineData(0.9, 3)]
    [InlineData(0.97, 4)]
    [InlineData(0.999, 5)]
    public void Matches_a_full_sort_of_a_large_vocabulary(double p, int seed)
    {
        var scores = RandomLogits(50257, seed, scale: 2);
        var result = Run(new TopPProcessor(p, 1), scores);
        var expectedKept = ReferenceKeptSet(scores, p, minKeep: 1);

        for (var i = 0; i < scores.Length; i++)
        {
            result[i].Should().Be(expectedKept.Contains(i) ? scores[i] : NegInf, $"token {i} (p = {p})");
        }
    }

    [Theory]
    [InlineData(0.9, 1, 21)]
    [InlineData(0.05, 8, 22)]
    [InlineData(0.5, 3, 23)]
    public void Matches_a_full_sort_after_other_filters_and_with_min_tokens(double p, int minKeep, int seed)
    {
        // Every token but a few hundred already filtered, with ties among the survivors, as after top-k on rounded scores.
        var scores = RandomLogits(50257, seed, scale: 4).Select((s, i) => i % 97 == 0 ? MathF.Round(s, 1) : NegInf).ToArray();
        var result = Run(new TopPProcessor(p, minKeep), scores);
        var expectedKept = ReferenceKeptSet(scores, p, minKeep);

        for (var i = 0; i < scores.Length; i++)
        {
            result[i].Should().Be(expectedKept.Contains(i) ? scores[i] : NegInf, $"token {i} (p = {p})");
        }
    }

    /// <summary>Hugging Face's algorithm written out literally: full stable ascending sort, cumulative softmax.</summary>
    private static HashSet<int> ReferenceKeptSet(float[] scores, double p, int minKeep)
    {
        var order = Enumerable.Range(0, scores.Length).OrderBy(i => scores[i]).ToArray();
        var max = scores.Max();
        var exps = scores.Select(s => Math.Exp(s - max)).ToArray();
        var sum = exps.Sum();
        var kept = new HashSet<int>();
        double cumulative = 0;
        for (var j = 0; j < order.Length; j++)
        {
            cumulative += exps[order[j]] / sum;
            if (cumulative > 1 - p || j >= order.Length - minKeep)
            {
                kept.Add(order[j]);
            }
        }

        return kept;
    }
}
