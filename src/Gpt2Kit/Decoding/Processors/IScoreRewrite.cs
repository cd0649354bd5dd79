namespace Gpt2Kit.Decoding.Processors;

/// <summary>A new score computed from a token's incoming score (a struct, so that <see cref="OncePerTokenRewriter"/>
/// calls it without a delegate).</summary>
internal interface IScoreRewrite
{
    /// <summary>The token's new score.</summary>
    float Rewrite(float score);
}
