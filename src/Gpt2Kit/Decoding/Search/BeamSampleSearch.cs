using Gpt2Kit.Models;

namespace Gpt2Kit.Decoding.Search;

/// <summary>Beam sampling (Hugging Face 4.35+ <c>_beam_search</c> with <c>do_sample=True</c>): the warpers act on each step's
/// log-probabilities (keeping at least <c>#EOS + 1</c> tokens), then <c>max(2, 1 + #EOS) · num_beams</c> candidates are drawn
/// without replacement from <c>softmax</c> of the accumulated scores and walked best first.</summary>
/// <remarks>Stateless; thread-safe. It does not stream: the observer is not called.</remarks>
internal sealed class BeamSampleSearch : ISearchStrategy
{
    public string Name => SearchStrategyNames.BeamSample;

    public void Validate(ResolvedGenerationOptions options, ModelInfo model)
    {
        StrategyValidation.ValidateBeams(options);
        StrategyValidation.ValidateTemperature(options, otherwise: "beam search");
    }

    public GenerationResult Search(SearchContext context, CancellationToken cancellationToken) =>
        BeamSearchLoop.Run(context, groups: 1, sample: true, cancellationToken);
}
