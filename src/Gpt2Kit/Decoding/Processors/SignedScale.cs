namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face's repetition-penalty rule: a negative score is multiplied by the factor, any other divided by it.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal readonly struct SignedScale(float factor) : IScoreRewrite
{
    /// <inheritdoc/>
    public float Rewrite(float score) => score < 0 ? score * factor : score / factor;
}
