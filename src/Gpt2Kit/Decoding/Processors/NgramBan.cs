namespace Gpt2Kit.Decoding.Processors;

/// <summary>The n-gram lookup shared by <c>no_repeat_ngram</c> and <c>encoder_no_repeat_ngram</c>.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class NgramBan
{
    /// <summary>Bans every token that follows, somewhere in <paramref name="source"/>, the last <c>size − 1</c> tokens of
    /// <paramref name="row"/>.</summary>
    public static void Apply(ReadOnlySpan<int> source, ReadOnlySpan<int> row, int size, Span<float> scores)
    {
        var prefixLength = size - 1;
        if (row.Length < prefixLength)
        {
            return;
        }

        var prefix = row[(row.Length - prefixLength)..];
        for (var start = 0; start + size <= source.Length; start++)
        {
            if (source.Slice(start, prefixLength).SequenceEqual(prefix))
            {
                scores[source[start + prefixLength]] = float.NegativeInfinity;
            }
        }
    }
}
