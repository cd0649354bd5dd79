using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

public sealed class EncodeBatchTests
{
    private static readonly Gpt2Tokenizer Tokenizer = Gpt2Tokenizer.Default;
    private const string Long = "long long ago, I was a boy, I love";
    private const string Short = "gpt2.drawio";

    [Fact]
    public void Left_padding_matches_Hugging_Face()
    {
        // HF: tokenizer.padding_side = "left"; tokenizer.pad_token = tokenizer.eos_token; tokenizer([long, short], padding=True)
        int[] longIds = TokenizerFixture.IdsOf(Long);
        int[] shortIds = TokenizerFixture.IdsOf(Short);
        int padCount = longIds.Length - shortIds.Length;

        var batch = Tokenizer.EncodeBatch([Long, Short]);

        batch.Rows.Should().Be(2);
        batch.Width.Should().Be(longIds.Length);
        batch.InputIds[0].Should().Equal(longIds);
        batch.AttentionMask[0].Should().Equal(Enumerable.Repeat(1, longIds.Length));
        batch.InputIds[1].Should().Equal([.. Enumerable.Repeat(50256, padCount), .. shortIds]);
        batch.AttentionMask[1].Should().Equal([.. Enumerable.Repeat(0, padCount), .. Enumerable.Repeat(1, shortIds.Length)]);
    }

    [Fact]
    public void Right_padding_puts_the_pad_ids_after_the_text()
    {
        int[] shortIds = TokenizerFixture.IdsOf(Short);
        int padCount = TokenizerFixture.IdsOf(Long).Length - shortIds.Length;

        var batch = Tokenizer.EncodeBatch([Short, Long], PaddingSide.Right, padTokenId: 0);

        batch.InputIds[0].Should().Equal([.. shortIds, .. Enumerable.Repeat(0, padCount)]);
        batch.AttentionMask[0].Should().Equal([.. Enumerable.Repeat(1, shortIds.Length), .. Enumerable.Repeat(0, padCount)]);
        batch.InputIds[1].Should().Equal(TokenizerFixture.IdsOf(Long));
    }

    [Fact]
    public void An_empty_text_is_all_padding_and_an_empty_batch_has_no_rows()
    {
        var batch = Tokenizer.EncodeBatch(["Hello, world!", ""]);

        batch.InputIds[1].Should().Equal(50256, 50256, 50256, 50256);
        batch.AttentionMask[1].Should().Equal(0, 0, 0, 0);

        var empty = Tokenizer.EncodeBatch([]);
        empty.Rows.Should().Be(0);
        empty.Width.Should().Be(0);
    }

    [Fact]
    public void Special_tokens_follow_allowSpecialTokens()
    {
        Tokenizer.EncodeBatch(["<|endoftext|>"]).InputIds[0].Should().Equal(50256);
        Tokenizer.EncodeBatch(["<|endoftext|>"], allowSpecialTokens: false).InputIds[0].Should().Equal(27, 91, 437, 1659, 5239, 91, 29);
    }

    [Fact]
    public void A_pad_id_outside_the_vocabulary_is_rejected()
    {
        var act = () => Tokenizer.EncodeBatch(["a"], padTokenId: 50257);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*50257*0..50256*");
    }
}
