using Gpt2Kit.Gpt2.Tokenization;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

/// <summary>The pieces GPT-2's pattern <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>
/// cuts text into, as Python's <c>regex</c> module finds them (expected pieces read off the pattern by hand and
/// checked with <c>regex.findall</c>).</summary>
public sealed class PreTokenizerTests
{
    public static TheoryData<string, string[]> Splits() => new()
    {
        { "Hello world", ["Hello", " world"] },
        { "I'm sure they'll", ["I", "'m", " sure", " they", "'ll"] },
        { "'s 't 're", ["'s", " '", "t", " '", "re"] },
        { "It'S", ["It", "'", "S"] },                       // contractions are lower case only
        { "x'''s", ["x", "'''", "s"] },                     // a contraction only starts a piece
        { "a  b", ["a", " ", " b"] },                       // the last space of a run goes with the next word
        { "a \t x", ["a", " \t", " x"] },
        { "trailing   ", ["trailing", "   "] },             // a run at the end stays whole
        { "\n\n a", ["\n\n", " a"] },
        { "a\u00a0\u00a0b", ["a", "\u00a0", "\u00a0", "b"] }, // " ?" is U+0020 only; NBSP is \s
        { "\u3000\u3000x", ["\u3000", "\u3000", "x"] },
        { "\u001c\u001d\u001e x", ["\u001c\u001d\u001e", " x"] }, // U+001C..U+001F are not White_Space
        { "\u200b zero", ["\u200b", " zero"] },             // ZERO WIDTH SPACE is a format character
        { "x 𝓐𝓑 12", ["x", " 𝓐𝓑", " 12"] },                 // astral letters are letters
        { "𝟘𝟙 digits", ["𝟘𝟙", " digits"] },                  // astral digits are numbers
        { "١٢٣ ٤", ["١٢٣", " ٤"] },
        { "Ⅻ ½ ²", ["Ⅻ", " ½", " ²"] },                     // Nl and No are numbers too
        { "ǅungla ǈ", ["ǅungla", " ǈ"] },                   // title-case letters
        { "e\u0301 combining", ["e", "\u0301", " combining"] }, // combining marks are neither letters nor numbers
        { "naïve—“quoted”…", ["naïve", "—“", "quoted", "”…"] },
        { "😀😀 ok 👍", ["😀😀", " ok", " 👍"] },
        { "abc123def", ["abc", "123", "def"] },
        { " ", [" "] },
        { "\ud800abc", ["\ud800", "abc"] },                  // a lone surrogate is "other"
    };

    [Theory]
    [MemberData(nameof(Splits))]
    public void Splits_like_the_GPT2_pattern(string text, string[] expected)
    {
        Split(text).Should().Equal(expected);
    }

    [Fact]
    public void Pieces_cover_random_text_exactly_once()
    {
        var random = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            string text = RandomText.Create(random, random.Next(0, 80));
            string.Concat(Split(text)).Should().Be(text);
        }
    }

    private static List<string> Split(string text)
    {
        var pieces = new List<string>();
        for (int position = 0; position < text.Length;)
        {
            int length = Gpt2PreTokenizer.NextPieceLength(text, position);
            length.Should().BePositive();
            pieces.Add(text.Substring(position, length));
            position += length;
        }

        return pieces;
    }
}
