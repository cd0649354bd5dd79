using Gpt2Kit.Gpt2.Tokenization;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

public sealed class DecodeTests
{
    private static readonly Gpt2Tokenizer Tokenizer = Gpt2Tokenizer.Default;

    // Expected text from Python's bytes.decode("utf-8", errors="replace"): one U+FFFD per maximal invalid subpart.
    public static TheoryData<byte[], string> InvalidUtf8() => new()
    {
        { [0xE2, 0x82, (byte)'A'], "\uFFFDA" },
        { [0xED, 0xA0, 0x80], "\uFFFD\uFFFD\uFFFD" },       // an encoded surrogate
        { [0xC0, 0xAF], "\uFFFD\uFFFD" },                    // an overlong form
        { [0xF4, 0x90, 0x80, 0x80], "\uFFFD\uFFFD\uFFFD\uFFFD" }, // beyond U+10FFFF
        { [0xE2, (byte)'(', 0xA1], "\uFFFD(\uFFFD" },
        { [0xF0, 0x9F, 0x98], "\uFFFD" },                    // an emoji cut short
        { [0xF0, 0x9F, 0x98, 0x80], "😀" },
        { [0xE0, 0x80, 0x80], "\uFFFD\uFFFD\uFFFD" },
        { [0xFF, 0xFE], "\uFFFD\uFFFD" },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void Invalid_UTF8_becomes_replacement_characters_like_Python(byte[] bytes, string expected)
    {
        Tokenizer.Decode(ByteTokens.IdsOf(Tokenizer, bytes)).Should().Be(expected);
    }

    [Fact]
    public void Special_tokens_are_kept_or_skipped()
    {
        int[] ids = [15496, 50256, 995, 50256];   // "Hello", <|endoftext|>, " world", <|endoftext|>

        Tokenizer.Decode(ids).Should().Be("Hello<|endoftext|> world<|endoftext|>");
        Tokenizer.Decode(ids, skipSpecialTokens: true).Should().Be("Hello world");
    }

    [Fact]
    public void Clean_up_removes_the_spaces_Hugging_Face_removes()
    {
        const string text = "Hello , world . Is it ? Yes ! I 'm sure it 's what we 've said they 're doing , don n't ' quote ' end";
        var ids = Tokenizer.Encode(text);

        Tokenizer.Decode(ids).Should().Be(text);
        Tokenizer.Decode(ids, cleanUpTokenizationSpaces: true)
            .Should().Be("Hello, world. Is it? Yes! I'm sure it's what we've said they're doing, donn't'quote'end");
    }

    [Fact]
    public void Clean_up_applies_the_replacements_in_order()
    {
        // " ' " is replaced before " 's": in "a ' s" the quote has no space left before the s.
        Tokenizer.Decode(Tokenizer.Encode("a ' s and b 's"), cleanUpTokenizationSpaces: true).Should().Be("a's and b's");
    }

    [Theory]
    [InlineData(new[] { 15496, 50257 }, 50257, 1)]
    [InlineData(new[] { -1 }, -1, 0)]
    [InlineData(new[] { 11, 11, 11, int.MaxValue }, int.MaxValue, 3)]
    public void Out_of_range_ids_are_rejected_with_the_id_and_its_index(int[] ids, int badId, int index)
    {
        var act = () => Tokenizer.Decode(ids);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage($"*{badId}*index {index}*0..50256*");
    }

    [Fact]
    public void GetTokenBytes_gives_the_raw_bytes_and_rejects_unknown_ids()
    {
        Tokenizer.GetTokenBytes(15496).ToArray().Should().Equal("Hello"u8.ToArray());
        Tokenizer.GetTokenBytes(50256).ToArray().Should().Equal("<|endoftext|>"u8.ToArray());
        Tokenizer.GetTokenBytes(ByteTokens.IdsOf(Tokenizer, 0xF0)[0]).ToArray().Should().Equal((byte)0xF0);

        var act = () => Tokenizer.GetTokenBytes(50257).ToArray();
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*50257*");
    }

    [Fact]
    public void Empty_input_decodes_to_empty_text()
    {
        Tokenizer.Decode([]).Should().BeEmpty();
        Tokenizer.Decode([50256], skipSpecialTokens: true).Should().BeEmpty();
    }
}
