using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Decoding.Streaming;

/// <summary>The text of one generated row, the one rule shared by <see cref="GenerationResult.Texts"/> and streaming: the
/// row's generated tokens (up to the one that finished it) decoded with special tokens skipped; when a stop string ended
/// the row, the text stops just before the first stop string in it.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class GeneratedText
{
    public static string Compose(ITokenizer tokenizer, ReadOnlySpan<int> generated, FinishReason reason, IReadOnlyList<string>? stopStrings) =>
        Cut(tokenizer.Decode(generated, skipSpecialTokens: true), reason, stopStrings);

    /// <summary>Cuts <paramref name="text"/> at its first stop string when the row ended on one.</summary>
    public static string Cut(string text, FinishReason reason, IReadOnlyList<string>? stopStrings)
    {
        if (reason != FinishReason.StopString || stopStrings is null)
        {
            return text;
        }

        int cut = FirstStop(text, stopStrings);
        return cut >= 0 ? text[..cut] : text;
    }

    /// <summary>The earliest index in <paramref name="text"/> where a stop string starts, or −1.</summary>
    public static int FirstStop(ReadOnlySpan<char> text, IReadOnlyList<string> stopStrings)
    {
        int first = -1;
        foreach (var stop in stopStrings)
        {
            if (string.IsNullOrEmpty(stop))
            {
                continue;
            }

            int at = text.IndexOf(stop.AsSpan(), StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
            }
        }

        return first;
    }

    /// <summary>How many tokens of a row's generated part are its own: up to and including its first EOS, or all of them.
    /// (Finished rows are filled with pad afterwards; beam outputs write EOS[0] after a hypothesis.)</summary>
    public static int OwnTokens(ReadOnlySpan<int> generated, ReadOnlySpan<int> eosTokenIds)
    {
        for (int i = 0; i < generated.Length; i++)
        {
            if (eosTokenIds.Contains(generated[i]))
            {
                return i + 1;
            }
        }

        return generated.Length;
    }
}
