using Gpt2Kit.Gpt2.Tokenization;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

/// <summary>Edge cases beyond the fixture file. Expected ids come from OpenAI's GPT-2 <c>encoder.py</c> algorithm run
/// with Python's <c>regex</c> module on the same encoder.json / vocab.bpe (an independent implementation).</summary>
public sealed class ReferenceEdgeCaseTests
{
    public static TheoryData<string, int[]> Cases() => new()
    {
        { "<|endoftext|>", [27, 91, 437, 1659, 5239, 91, 29] },          // as plain text
        { "x 𝓐𝓑 12", [87, 220, 47728, 241, 238, 47728, 241, 239, 1105] },
        { "١٢٣ ٤", [149, 94, 149, 95, 149, 96, 18923, 97] },
        { "a\u00a0\u00a0b", [64, 1849, 1849, 65] },
        { "\u3000\u3000x", [5099, 222, 5099, 222, 87] },
        { " \t x", [220, 197, 2124] },
        { "Ⅻ ½ ²", [158, 227, 104, 25208, 1587, 110] },
        { "naïve—“quoted”…", [2616, 38776, 960, 447, 250, 421, 5191, 447, 251, 1399] },
        { "ǅungla ǈ", [131, 227, 2150, 5031, 220, 131, 230] },
        { "𝟘𝟙 digits", [47728, 253, 246, 47728, 253, 247, 19561] },
        { "\u001c\u001d\u001e x", [216, 217, 218, 2124] },
        { "e\u0301 combining", [68, 136, 223, 19771] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_matches_the_reference(string text, int[] expected)
    {
        Gpt2Tokenizer.Default.Encode(text, allowSpecialTokens: false).Should().Equal(expected);
    }

    [Fact]
    public void A_100k_character_word_is_merged_like_the_reference()
    {
        // The reference gives 25000 × "aaaa" (24794); a quadratic merge loop would take minutes here.
        Gpt2Tokenizer.Default.Encode(new string('a', 100_000)).Should().HaveCount(25_000).And.OnlyContain(id => id == 24794);
    }

    [Fact]
    public void Long_white_space_runs_match_the_reference()
    {
        Gpt2Tokenizer.Default.Encode(new string(' ', 100_000)).Should().HaveCount(100_000).And.OnlyContain(id => id == 220);
        Gpt2Tokenizer.Default.Encode(new string('\n', 100_000)).Should().HaveCount(50_000).And.OnlyContain(id => id == 628);

        var ids = Gpt2Tokenizer.Default.Encode("x" + new string(' ', 1000) + "y");
        ids.Should().HaveCount(1001);
        ids[0].Should().Be(87);
        ids[^1].Should().Be(331);
        ids[1..^1].Should().OnlyContain(id => id == 220);
    }

    [Fact]
    public void A_lone_surrogate_is_encoded_as_the_replacement_character()
    {
        // UTF-8 cannot hold a lone surrogate; like every .NET UTF-8 writer, the tokenizer writes U+FFFD in its place.
        var tokenizer = Gpt2Tokenizer.Default;

        tokenizer.Encode("a\ud800b").Should().Equal(tokenizer.Encode("a\ufffdb"));
        tokenizer.Decode(tokenizer.Encode("\udc00")).Should().Be("\ufffd");
    }
}
