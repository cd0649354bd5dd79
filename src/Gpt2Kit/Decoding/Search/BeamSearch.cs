using Gpt2Kit.Models;

namespace Gpt2Kit.Decoding.Search;

/// <summary>Beam search (Hugging Face 4.36–4.49 <c>_beam_search</c> with <c>BeamSearchScorer</c>): the top
/// <c>max(2, 1 + #EOS) · num_beams</c> accumulated log-probabilities of each prompt become hypotheses (EOS) or the next beams.</summary>
/// <remarks>Stateless; thread-safe. It does not stream: the observer is not called.</remarks>
internal sealed class BeamSearch : ISearchStrategy
{
    public string Name => SearchStrategyNames.Beam;

    public void Validate(ResolvedGenerationOptions options, ModelInfo model) => StrategyValidation.ValidateBeams(options);

    public GenerationResult Search(SearchContext context, CancellationToken cancellationToken) =>
        BeamSearchLoop.Run(context, groups: 1, sample: false, cancellationToken);
}
