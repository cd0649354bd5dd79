namespace Gpt2Kit.Decoding.Processors;

/// <summary>The two ways a rule takes tokens out of the choice: ban some ids, or allow only some ids.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class TokenMask
{
    /// <summary>Gives every id of <paramref name="tokenIds"/> −∞, so none of them can be chosen.</summary>
    public static void Ban(ReadOnlySpan<int> tokenIds, Span<float> scores)
    {
        foreach (var id in tokenIds)
        {
            scores[id] = float.NegativeInfinity;
        }
    }

    /// <summary>Gives every score −∞ except those of <paramref name="tokenIds"/>, which become 0 (Hugging Face's forced tokens).</summary>
    public static void AllowOnly(ReadOnlySpan<int> tokenIds, Span<float> scores)
    {
        scores.Fill(float.NegativeInfinity);
        foreach (var id in tokenIds)
        {
            scores[id] = 0;
        }
    }
}
