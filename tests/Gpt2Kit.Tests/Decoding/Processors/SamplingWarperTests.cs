using Gpt2Kit.Decoding.Processors;
using static Gpt2Kit.Tests.Decoding.Processors.ProcessorTestKit;

namespace Gpt2Kit.Tests.Decoding.Processors;

public class SamplingWarperTests
{
    [Fact]
    public void Temperature_divides_every_score()
    {
        Run(new TemperatureProcessor(0.5), [1f, -2f, 0.25f, NegInf]).Should().Equal(2f, -4f, 0.5f, NegInf);
    }

    [Fact]
    public void TopK_keeps_the_k_largest_and_every_tie_with_the_kth()
    {
        Run(new TopKProcessor(2, 1), [5f, 3f, 1f, 3f, 0f]).Should().Equal(5f, 3f, NegInf, 3f, NegInf);
        Run(new TopKProcessor(2, 1), [1f, 3f, 3f, 2f]).Should().Equal(NegInf, 3f, 3f, NegInf);
    }

    [Fact]
    public void TopK_keeps_at_least_min_tokens_and_nothing_is_removed_when_k_covers_the_vocabulary()
    {
        Run(new TopKProcessor(1, 3), [4f, 3f, 2f, 1f]).Should().Equal(4f, 3f, 2f, NegInf);
        Run(new TopKProcessor(10, 1), [4f, 3f, 2f, 1f]).Should().Equal(4f, 3f, 2f, 1f);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(50)]
    [InlineData(1024)]
    [InlineData(1025)]
    [InlineData(20000)]
    public void TopK_threshold_is_the_kth_largest_value_on_a_large_vocabulary(int k)
    {
        var scores = RandomLogits(50257, seed: k);
        var expectedThreshold = scores.OrderDescending().ElementAt(k - 1);

        var result = Run(new TopKProcessor(k, 1), scores);

        for (var i = 0; i < scores.Length; i++)
        {
            result[i].Should().Be(scores[i] >= expectedThreshold ? scores[i] : NegInf);
        }

        result.Count(float.IsFinite).Should().Be(k);
    }

    [Fact]
    public void MinP_removes_tokens_below_the_scaled_top_probability()
    {
        var scores = LogsOf(0.5, 0.3, 0.15, 0.05);
        Run(new MinPProcessor(0.2, 1), scores).Should().Equal(scores[0], scores[1], scores[2], NegInf);
        Run(new MinPProcessor(1.0, 1), scores).Should().Equal(scores[0], NegInf, NegInf, NegInf);
        Run(new MinPProcessor(0.0, 1), scores).Should().Equal(scores);
    }

    [Fact]
    public void MinP_always_keeps_the_min_tokens_highest_scores()
    {
        var scores = LogsOf(0.5, 0.3, 0.15, 0.05);
        Run(new MinPProcessor(1.0, 3), scores).Should().Equal(scores[0], scores[1], scores[2], NegInf);
    }

    [Fact]
    public void Epsilon_removes_unlikely_tokens_but_keeps_the_top_scores_and_their_ties()
    {
        var scores = LogsOf(0.5, 0.3, 0.15, 0.05);
        Run(new EpsilonCutoffProcessor(0.1, 1), scores).Should().Equal(scores[0], scores[1], scores[2], NegInf);
        Run(new EpsilonCutoffProcessor(0.6, 1), scores).Should().Equal(scores[0], NegInf, NegInf, NegInf);
        Run(new EpsilonCutoffProcessor(0.6, 2), scores).Should().Equal(scores[0], scores[1], NegInf, NegInf);
        Run(new EpsilonCutoffProcessor(0.9, 1), [2f, 1f, 2f]).Should().Equal(2f, NegInf, 2f);
    }

    [Theory]
    // H = 1.142117 nats for (0.5, 0.3, 0.15, 0.05); η = min(ε, √ε·e^−H).
    [InlineData(0.1, 3)]  // η = min(0.1, 0.1009) = 0.1: only 0.05 goes.
    [InlineData(0.2, 3)]  // η = 0.1427: 0.15 survives.
    [InlineData(0.3, 2)]  // η = 0.1748 < ε: the entropy term removes 0.15 too.
    public void Eta_cutoff_uses_the_entropy_scaled_threshold(double epsilon, int survivors)
    {
        var scores = LogsOf(0.5, 0.3, 0.15, 0.05);
        Run(new EtaCutoffProcessor(epsilon, 1), scores).Should().Equal(scores.Select((s, i) => i < survivors ? s : NegInf));
    }

    [Fact]
    public void Eta_cutoff_keeps_the_min_tokens_highest_scores()
    {
        var scores = LogsOf(0.5, 0.3, 0.15, 0.05);
        Run(new EtaCutoffProcessor(0.3, 3), scores).Should().Equal(scores[0], scores[1], scores[2], NegInf);
    }

    [Fact]
    public void Renormalize_turns_scores_into_log_probabilities()
    {
        var result = Run(new RenormalizeProcessor(), [1f, 2f, NegInf]);
        var logSumExp = Math.Log(Math.Exp(1) + Math.Exp(2));
        result[0].Should().BeApproximately((float)(1 - logSumExp), 1e-6f);
        result[1].Should().BeApproximately((float)(2 - logSumExp), 1e-6f);
        result[2].Should().Be(NegInf);
    }
}
