namespace Gpt2Kit.Configuration;

/// <summary>Finds the known keys a mistyped one was probably meant to be ("topp" → "top_p", "TopP" → "top_p").</summary>
internal static class KeySuggestions
{
    public static IReadOnlyList<string> NearMatches(string key, IEnumerable<string> knownKeys, int max = 3)
    {
        var wanted = Normalize(key);
        return knownKeys
            .Select(known => (Known: known, Distance: Distance(wanted, Normalize(known))))
            .Where(c => c.Distance <= Math.Max(1, wanted.Length / 4))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Known, StringComparer.Ordinal)
            .Take(max)
            .Select(c => c.Known)
            .ToList();
    }

    /// <summary>" (did you mean 'top_p'?)" or an empty string.</summary>
    public static string DidYouMean(string key, IEnumerable<string> knownKeys)
    {
        var matches = NearMatches(key, knownKeys);
        return matches.Count == 0 ? string.Empty : $" (did you mean {string.Join(" or ", matches.Select(m => $"'{m}'"))}?)";
    }

    // Case, underscores and dashes are the usual differences between naming conventions, not typos.
    private static string Normalize(string key) => new(key.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
