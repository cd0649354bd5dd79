using System.Globalization;

namespace Gpt2Kit.Gpt2.Tokenization;

/// <summary>GPT-2's pre-tokenization, a hand-written equivalent of the pattern
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c> as Python's <c>regex</c> runs it:
/// on code points (so astral letters such as 𝓐 are letters), with <c>\s</c> meaning Unicode White_Space.</summary>
/// <remarks>Stateless; thread-safe. A scanner rather than <see cref="System.Text.RegularExpressions.Regex"/> because .NET
/// regular expressions see UTF-16 units and would treat the two halves of a surrogate pair as non-letters.</remarks>
internal static class Gpt2PreTokenizer
{
    private enum CharClass : byte
    {
        Other,
        Letter,
        Number,
        Space,
    }

    private static readonly CharClass[] AsciiClasses = BuildAsciiClasses();

    /// <summary>The length in UTF-16 units of the piece that starts at <paramref name="start"/>.</summary>
    public static int NextPieceLength(ReadOnlySpan<char> text, int start)
    {
        char first = text[start];
        if (first == '\'' && ContractionLength(text, start) is int contraction and > 0)
        {
            return contraction;
        }

        // " ?\p{L}+", " ?\p{N}+" and " ?[^\s\p{L}\p{N}]+": an optional U+0020, then a run of one class.
        int runStart = start;
        if (first == ' ' && start + 1 < text.Length)
        {
            runStart = start + 1;
        }

        CharClass runClass = ClassAt(text, runStart, out _);
        if (runClass != CharClass.Space)
        {
            return RunEnd(text, runStart, runClass) - start;
        }

        // The character at start is white space (a space followed by white space lands here too).
        int spaceEnd = RunEnd(text, start, CharClass.Space);
        if (spaceEnd == text.Length)
        {
            return spaceEnd - start;                 // "\s+(?!\S)" up to the end of the text.
        }

        // "\s+(?!\S)" backs off one so the last space can prefix the next word; with a single space "\s+" takes it.
        // Every White_Space character is one UTF-16 unit, so backing off one unit backs off one character.
        return spaceEnd - start >= 2 ? spaceEnd - start - 1 : 1;
    }

    private static int ContractionLength(ReadOnlySpan<char> text, int start)
    {
        if (start + 1 >= text.Length)
        {
            return 0;
        }

        char next = text[start + 1];
        if (next is 's' or 't' or 'm' or 'd')
        {
            return 2;
        }

        if (start + 2 < text.Length)
        {
            char third = text[start + 2];
            if ((next == 'r' && third == 'e') || (next == 'v' && third == 'e') || (next == 'l' && third == 'l'))
            {
                return 3;
            }
        }

        return 0;
    }

    private static int RunEnd(ReadOnlySpan<char> text, int index, CharClass runClass)
    {
        while (index < text.Length && ClassAt(text, index, out int width) == runClass)
        {
            index += width;
        }

        return index;
    }

    private static CharClass ClassAt(ReadOnlySpan<char> text, int index, out int width)
    {
        char c = text[index];
        width = 1;
        if (c < 128)
        {
            return AsciiClasses[c];
        }

        if (char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            width = 2;
            return Classify(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, text[index + 1])));
        }

        // White_Space (Python regex's \s) is exactly char.IsWhiteSpace; lone surrogates fall through to Other.
        return char.IsWhiteSpace(c) ? CharClass.Space : Classify(CharUnicodeInfo.GetUnicodeCategory(c));
    }

    private static CharClass Classify(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharClass.Letter,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharClass.Number,
        _ => CharClass.Other,
    };

    private static CharClass[] BuildAsciiClasses()
    {
        var classes = new CharClass[128];
        for (int c = 0; c < 128; c++)
        {
            classes[c] = char.IsWhiteSpace((char)c) ? CharClass.Space : Classify(CharUnicodeInfo.GetUnicodeCategory((char)c));
        }

        return classes;
    }
}
