using Gpt2Kit.Decoding.Processors;
using static Gpt2Kit.Tests.Decoding.Processors.ProcessorTestKit;

namespace Gpt2Kit.Tests.Decoding.Processors;

public class LengthRuleProcessorTests
{
    private static readonly float[] Flat = [1f, 1f, 1f, 1f, 1f];

    [Fact]
    public void Min_length_bans_every_eos_id_while_the_row_is_too_short()
    {
        Run(new MinLengthProcessor(5), Flat, ids: [0, 0, 0, 0], eos: [3, 4]).Should().Equal(1f, 1f, 1f, NegInf, NegInf);
        Run(new MinLengthProcessor(5), Flat, ids: [0, 0, 0, 0, 0], eos: [3, 4]).Should().Equal(Flat);
    }

    [Fact]
    public void Min_new_tokens_counts_only_generated_tokens()
    {
        Run(new MinNewTokensProcessor(2), Flat, ids: [0, 0, 0, 1], promptLength: 3, eos: [2, 4]).Should().Equal(1f, 1f, NegInf, 1f, NegInf);
        Run(new MinNewTokensProcessor(2), Flat, ids: [0, 0, 0, 1, 1], promptLength: 3, eos: [2, 4]).Should().Equal(Flat);
    }

    [Fact]
    public void Forced_bos_only_fires_on_a_one_token_row()
    {
        Run(new ForcedBosProcessor(2), Flat, ids: [0]).Should().Equal(NegInf, NegInf, 0f, NegInf, NegInf);
        Run(new ForcedBosProcessor(2), Flat, ids: [0, 1]).Should().Equal(Flat);
    }

    [Fact]
    public void Forced_eos_fires_one_step_before_the_maximum_length()
    {
        Run(new ForcedEosProcessor([1, 4]), Flat, ids: [0, 0, 0, 0, 0], maxLength: 6).Should().Equal(NegInf, 0f, NegInf, NegInf, 0f);
        Run(new ForcedEosProcessor([1, 4]), Flat, ids: [0, 0, 0, 0], maxLength: 6).Should().Equal(Flat);
    }

    [Fact]
    public void Remove_invalid_values_replaces_nan_and_infinities()
    {
        Run(new RemoveInvalidValuesProcessor(), [float.NaN, float.PositiveInfinity, NegInf, 1.5f])
            .Should().Equal(0f, float.MaxValue, float.MinValue, 1.5f);
    }

    [Fact]
    public void Exponential_decay_raises_eos_scores_of_either_sign_after_the_start()
    {
        // start 1 after a prompt of 2: regulation starts at length 3; at length 5 the growth is 2^2 − 1 = 3.
        var processor = new ExponentialDecayLengthPenaltyProcessor(1, 2.0);
        float[] scores = [0f, -2f, 1f, 0f, 0f];
        Run(processor, scores, ids: [0, 0, 0], promptLength: 2, eos: [1, 2]).Should().Equal(scores);
        Run(processor, scores, ids: [0, 0, 0, 0, 0], promptLength: 2, eos: [1, 2]).Should().Equal(0f, 4f, 4f, 0f, 0f);
    }

    [Fact]
    public void Exponential_decay_raises_an_eos_id_listed_twice_once()
    {
        var processor = new ExponentialDecayLengthPenaltyProcessor(0, 2.0);
        Run(processor, [0f, -2f], ids: [0, 0], promptLength: 1, eos: [1, 1]).Should().Equal(0f, 0f);
    }

    [Fact]
    public void Suppress_tokens_bans_them_at_every_step()
    {
        Run(new SuppressTokensProcessor([0, 3]), Flat, ids: [1, 2, 3, 4]).Should().Equal(NegInf, 1f, 1f, NegInf, 1f);
    }

    [Fact]
    public void Begin_suppress_tokens_bans_them_at_the_first_generated_step_only()
    {
        var processor = new BeginSuppressTokensProcessor([0, 3], forcedBos: false);
        Run(processor, Flat, ids: [1, 2, 3], promptLength: 3).Should().Equal(NegInf, 1f, 1f, NegInf, 1f);
        Run(processor, Flat, ids: [1, 2, 3, 4], promptLength: 3).Should().Equal(Flat);
    }

    [Fact]
    public void Begin_suppress_waits_for_the_forced_bos_after_a_one_token_prompt()
    {
        var processor = new BeginSuppressTokensProcessor([0], forcedBos: true);
        Run(processor, Flat, ids: [1], promptLength: 1).Should().Equal(Flat);
        Run(processor, Flat, ids: [1, 2], promptLength: 1).Should().Equal(NegInf, 1f, 1f, 1f, 1f);
    }
}
