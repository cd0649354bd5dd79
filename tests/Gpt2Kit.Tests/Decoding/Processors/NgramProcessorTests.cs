using Gpt2Kit.Decoding.Processors;
using static Gpt2Kit.Tests.Decoding.Processors.ProcessorTestKit;

namespace Gpt2Kit.Tests.Decoding.Processors;

public class NgramProcessorTests
{
    private static readonly float[] Flat = [1f, 1f, 1f, 1f, 1f];

    [Fact]
    public void Bigram_ban_blocks_the_token_that_followed_the_last_token_before()
    {
        Run(new NoRepeatNgramProcessor(2), Flat, ids: [0, 1, 2, 0]).Should().Equal(1f, NegInf, 1f, 1f, 1f);
    }

    [Fact]
    public void Trigram_ban_needs_the_last_two_tokens_to_match()
    {
        Run(new NoRepeatNgramProcessor(3), Flat, ids: [0, 1, 2, 3, 1, 2, 0, 1]).Should().Equal(1f, 1f, NegInf, 1f, 1f);
        Run(new NoRepeatNgramProcessor(3), Flat, ids: [0, 1, 2, 3, 2]).Should().Equal(Flat);
    }

    [Fact]
    public void Unigram_ban_blocks_every_token_already_present()
    {
        Run(new NoRepeatNgramProcessor(1), Flat, ids: [3, 0, 3]).Should().Equal(NegInf, 1f, 1f, NegInf, 1f);
    }

    [Fact]
    public void Rows_shorter_than_the_ngram_ban_nothing()
    {
        Run(new NoRepeatNgramProcessor(3), Flat, ids: [0]).Should().Equal(Flat);
        Run(new NoRepeatNgramProcessor(3), Flat, ids: [0, 0]).Should().Equal(Flat);
    }

    [Fact]
    public void Encoder_ngram_ban_only_uses_ngrams_of_the_prompt()
    {
        // Prompt (0, 1, 2). The row's last token 0 was followed by 1 in the prompt.
        Run(new EncoderNoRepeatNgramProcessor(2), Flat, ids: [0, 1, 2, 3, 0], promptLength: 3).Should().Equal(1f, NegInf, 1f, 1f, 1f);
        // (2, 3) crosses into the generated part, so 3 is not banned after 2 (the decoder-side ban would ban it).
        Run(new EncoderNoRepeatNgramProcessor(2), Flat, ids: [0, 1, 2, 3, 2], promptLength: 3).Should().Equal(Flat);
        Run(new NoRepeatNgramProcessor(2), Flat, ids: [0, 1, 2, 3, 2]).Should().Equal(1f, 1f, 1f, NegInf, 1f);
    }

    [Fact]
    public void Encoder_unigram_ban_blocks_every_prompt_token()
    {
        Run(new EncoderNoRepeatNgramProcessor(1), Flat, ids: [4, 1, 2], promptLength: 2).Should().Equal(1f, NegInf, 1f, 1f, NegInf);
    }
}
