using System.Text;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

public sealed class StreamingDecoderTests
{
    private static readonly Gpt2Tokenizer Tokenizer = Gpt2Tokenizer.Default;

    [Fact]
    public void Emoji_split_over_byte_tokens_come_out_whole()
    {
        const string text = "emoji 😀🎉👍🏽 family 👨‍👩‍👧";
        int[] ids = TokenizerFixture.IdsOf(text);
        var decoder = Tokenizer.CreateStreamingDecoder();

        var pieces = ids.Select(decoder.Append).ToList();
        pieces.Add(decoder.Flush());

        string.Concat(pieces).Should().Be(text);
        pieces.Should().OnlyContain(p => IsWholeText(p), "no piece may end or start inside a character");
        pieces.Should().Contain(p => p.Length == 0, "the first bytes of an emoji are held back");
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    public void Pieces_and_Flush_concatenate_to_Decode_for_random_ids(int seed, bool skipSpecialTokens)
    {
        var random = new Random(seed);
        // Mostly single-byte tokens (the partial UTF-8 that makes streaming hard), plus any token and the special one.
        int[] byteIds = ByteTokens.IdsOf(Tokenizer, Enumerable.Range(0, 256).Select(b => (byte)b).ToArray());
        for (int round = 0; round < 500; round++)
        {
            int[] ids = Enumerable.Range(0, random.Next(0, 40)).Select(_ => random.Next(10) switch
            {
                < 6 => byteIds[random.Next(2) == 0 ? random.Next(256) : 0x80 + random.Next(128)],
                < 9 => random.Next(Tokenizer.VocabSize),
                _ => 50256,
            }).ToArray();

            var decoder = Tokenizer.CreateStreamingDecoder(skipSpecialTokens);
            var streamed = new StringBuilder();
            foreach (int id in ids)
            {
                streamed.Append(decoder.Append(id));
            }

            streamed.Append(decoder.Flush());
            streamed.ToString().Should().Be(Tokenizer.Decode(ids, skipSpecialTokens), $"ids [{string.Join(",", ids)}]");
        }
    }

    [Fact]
    public void Flush_gives_the_held_back_bytes_as_a_replacement_character_and_resets()
    {
        var decoder = Tokenizer.CreateStreamingDecoder();
        int[] partialEmoji = ByteTokens.IdsOf(Tokenizer, 0xF0, 0x9F, 0x98);

        partialEmoji.Select(decoder.Append).Should().OnlyContain(p => p.Length == 0);
        decoder.Flush().Should().Be("\uFFFD");
        decoder.Flush().Should().BeEmpty();

        decoder.Append(15496).Should().Be("Hello");
        ByteTokens.IdsOf(Tokenizer, 0xF0, 0x9F, 0x98, 0x80).Select(decoder.Append).Should().Equal("", "", "", "😀");
    }

    [Fact]
    public void Special_tokens_are_skipped_on_request()
    {
        var keep = Tokenizer.CreateStreamingDecoder();
        var skip = Tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);

        keep.Append(50256).Should().Be("<|endoftext|>");
        skip.Append(50256).Should().BeEmpty();
    }

    [Fact]
    public void Out_of_range_ids_are_rejected_with_the_id_and_its_position()
    {
        var decoder = Tokenizer.CreateStreamingDecoder();
        decoder.Append(15496);
        decoder.Append(11);

        var act = () => decoder.Append(60000);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*60000*index 2*");
    }

    // Whole text: no lone surrogate at either end (a split character) and no replacement character.
    private static bool IsWholeText(string piece) =>
        !piece.Contains('\uFFFD') && (piece.Length == 0 || (!char.IsHighSurrogate(piece[^1]) && !char.IsLowSurrogate(piece[0])));
}
