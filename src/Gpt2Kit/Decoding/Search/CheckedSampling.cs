namespace Gpt2Kit.Decoding.Search;

/// <summary>The built-in sampling selector (<see cref="TokenSelectors.Sampling"/>) behind the host's non-finite check:
/// NaN or +∞ scores fail the request as Hugging Face's <c>torch.multinomial</c> does, instead of being drawn from.</summary>
/// <remarks>Belongs to one request; not thread-safe.</remarks>
internal sealed class CheckedSampling(int vocabSize) : ITokenSelector
{
    private readonly ITokenSelector _draw = TokenSelectors.Sampling(vocabSize);

    public int Select(in LogitsContext context, ReadOnlySpan<float> scores, Random random)
    {
        NonFiniteScores.CheckSamplingInput(scores);
        return _draw.Select(context, scores, random);
    }
}
