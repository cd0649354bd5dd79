using Gpt2Kit.Decoding.Processors;
using static Gpt2Kit.Tests.Decoding.Processors.ProcessorTestKit;

namespace Gpt2Kit.Tests.Decoding.Processors;

public class PenaltyProcessorTests
{
    [Fact]
    public void Repetition_penalty_divides_positive_and_multiplies_negative_scores_once_per_distinct_token()
    {
        // Token 1 occurs twice but is penalized once; token 3 is not in the row.
        Run(new RepetitionPenaltyProcessor(2), [2f, -2f, 0f, 0.5f], ids: [0, 1, 1, 2, 0])
            .Should().Equal(1f, -4f, 0f, 0.5f);
    }

    [Fact]
    public void Repetition_penalty_counts_prompt_and_padding_tokens()
    {
        Run(new RepetitionPenaltyProcessor(1.25), [2f, -2f, 5f], ids: [2, 2, 0], promptLength: 3)
            .Should().Equal(1.6f, -2f, 4f);
    }

    [Fact]
    public void Repetition_penalty_window_only_looks_at_the_last_tokens()
    {
        Run(new RepetitionPenaltyProcessor(2, window: 2), [2f, 2f, 2f, 2f], ids: [0, 1, 2, 2])
            .Should().Equal(2f, 2f, 1f, 2f);
    }

    [Fact]
    public void Encoder_repetition_penalty_favours_prompt_tokens_only()
    {
        Run(new EncoderRepetitionPenaltyProcessor(2), [2f, -2f, 1f], ids: [0, 1, 1, 2], promptLength: 2)
            .Should().Equal(4f, -1f, 1f);
    }

    [Fact]
    public void Presence_penalty_subtracts_once_per_generated_token()
    {
        // Prompt [0]; generated 1, 1, 2.
        Run(new PresencePenaltyProcessor(0.5), [1f, 1f, 1f, 1f], ids: [0, 1, 1, 2], promptLength: 1)
            .Should().Equal(1f, 0.5f, 0.5f, 1f);
    }

    [Fact]
    public void Frequency_penalty_subtracts_once_per_generated_occurrence()
    {
        Run(new FrequencyPenaltyProcessor(0.5), [1f, 1f, 1f, 1f], ids: [0, 1, 1, 2], promptLength: 1)
            .Should().Equal(1f, 0f, 0.5f, 1f);
    }

    [Fact]
    public void Logit_bias_adds_to_single_tokens()
    {
        Run(new LogitBiasProcessor(new Dictionary<int, double> { [1] = 2.5, [3] = -100 }), [1f, 1f, 1f, 1f])
            .Should().Equal(1f, 3.5f, 1f, -99f);
    }

    [Fact]
    public void Sequence_bias_applies_single_tokens_always_and_longer_sequences_on_a_matching_tail()
    {
        var processor = new SequenceBiasProcessor([([1], 1f), ([0, 1], 2f), ([2, 1], 4f), ([0, 3], 8f)]);
        // Row ends with 0: the single bias and (0, 1) add up on token 1; (0, 3) biases token 3.
        Run(processor, [0f, 0f, 0f, 0f], ids: [2, 0]).Should().Equal(0f, 3f, 0f, 8f);
        // Row ends with 2.
        Run(processor, [0f, 0f, 0f, 0f], ids: [0, 2]).Should().Equal(0f, 5f, 0f, 0f);
    }

    [Fact]
    public void Sequence_bias_skips_sequences_longer_than_the_row_and_keeps_the_last_bias_of_a_repeated_sequence()
    {
        var processor = new SequenceBiasProcessor([([0, 0, 2], 1f), ([3], 1f), ([3], 5f)]);
        // Hugging Face skips a sequence longer than the row, even when the row could hold its prefix.
        Run(processor, [0f, 0f, 0f, 0f], ids: [0, 0]).Should().Equal(0f, 0f, 0f, 5f);
        Run(processor, [0f, 0f, 0f, 0f], ids: [1, 0, 0]).Should().Equal(0f, 0f, 1f, 5f);
    }

    [Fact]
    public void Bad_words_ban_single_tokens_always_and_multi_token_words_on_a_matching_prefix()
    {
        var processor = new BadWordsProcessor([[3], [1, 2], [0, 1, 4], [5]], eosTokenIds: [5]);
        var scores = new float[] { 1, 1, 1, 1, 1, 1 };

        // [5] is just the EOS id: dropped. [0, 1, 4] matches the row's tail (0, 1); [1, 2] matches its last token.
        Run(processor, scores, ids: [3, 0, 1]).Should().Equal(1f, 1f, NegInf, NegInf, NegInf, 1f);
        // Hugging Face skips a word longer than the row, even when the row is its prefix.
        Run(processor, scores, ids: [0, 1]).Should().Equal(1f, 1f, NegInf, NegInf, 1f, 1f);
    }

    [Fact]
    public void Bad_words_keep_multi_token_words_that_start_with_eos()
    {
        var processor = new BadWordsProcessor([[5, 2]], eosTokenIds: [5]);
        Run(processor, [1f, 1f, 1f, 1f, 1f, 1f], ids: [0, 5]).Should().Equal(1f, 1f, NegInf, 1f, 1f, 1f);
    }
}
