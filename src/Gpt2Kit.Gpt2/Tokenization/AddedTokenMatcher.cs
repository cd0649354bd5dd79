using System.Buffers;

namespace Gpt2Kit.Gpt2.Tokenization;

/// <summary>Finds added tokens in text, leftmost first and the longest among those starting at the same place
/// (Hugging Face's added-vocabulary split).</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed class AddedTokenMatcher
{
    private readonly SearchValues<string> _contents;
    private readonly AddedToken[] _longestFirst;

    private AddedTokenMatcher(AddedToken[] tokens)
    {
        _longestFirst = [.. tokens.OrderByDescending(t => t.Content.Length)];
        _contents = SearchValues.Create(tokens.Select(t => t.Content).Distinct().ToArray(), StringComparison.Ordinal);
    }

    /// <summary>A matcher for <paramref name="tokens"/>, or null when there are none to look for.</summary>
    public static AddedTokenMatcher? Create(IEnumerable<AddedToken> tokens)
    {
        var array = tokens.ToArray();
        return array.Length == 0 ? null : new AddedTokenMatcher(array);
    }

    /// <summary>Finds the next added token at or after <paramref name="from"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="from">Where to start looking; white space before it is never swallowed.</param>
    /// <param name="start">Start of the match, including white space swallowed by <see cref="AddedToken.LeftStrip"/>.</param>
    /// <param name="end">End of the match, including white space swallowed by <see cref="AddedToken.RightStrip"/>.</param>
    /// <param name="id">The token's id.</param>
    public bool TryFindNext(ReadOnlySpan<char> text, int from, out int start, out int end, out int id)
    {
        int found = text[from..].IndexOfAny(_contents);
        if (found < 0)
        {
            start = end = id = 0;
            return false;
        }

        start = from + found;
        var token = LongestAt(text[start..]);
        id = token.Id;
        end = start + token.Content.Length;
        if (token.LeftStrip)
        {
            while (start > from && char.IsWhiteSpace(text[start - 1]))
            {
                start--;
            }
        }

        if (token.RightStrip)
        {
            while (end < text.Length && char.IsWhiteSpace(text[end]))
            {
                end++;
            }
        }

        return true;
    }

    private AddedToken LongestAt(ReadOnlySpan<char> text)
    {
        foreach (var token in _longestFirst)
        {
            if (text.StartsWith(token.Content, StringComparison.Ordinal))
            {
                return token;
            }
        }

        throw new InvalidOperationException("SearchValues reported a match that no added token starts.");
    }
}
