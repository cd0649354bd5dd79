namespace Gpt2Kit.Decoding.Processors;

/// <summary>Rewrites the scores of a list of token ids that may repeat, each token once: like Hugging Face's gather then
/// scatter, every new value is computed from the incoming scores before any is written, so a token listed twice is
/// changed once.</summary>
/// <remarks>Keeps a scratch buffer; one instance per processor, not thread-safe.</remarks>
internal sealed class OncePerTokenRewriter
{
    private float[] _rewritten = [];

    /// <summary>Applies <paramref name="rule"/> to the score of every token in <paramref name="tokenIds"/>.</summary>
    public void Apply<TRule>(ReadOnlySpan<int> tokenIds, Span<float> scores, TRule rule)
        where TRule : struct, IScoreRewrite
    {
        if (_rewritten.Length < tokenIds.Length)
        {
            _rewritten = new float[Math.Max(tokenIds.Length, 2 * _rewritten.Length)];
        }

        var rewritten = _rewritten.AsSpan(0, tokenIds.Length);
        for (var i = 0; i < tokenIds.Length; i++)
        {
            rewritten[i] = rule.Rewrite(scores[tokenIds[i]]);
        }

        for (var i = 0; i < tokenIds.Length; i++)
        {
            scores[tokenIds[i]] = rewritten[i];
        }
    }
}
