using Gpt2Kit.Models;

namespace Gpt2Kit.Decoding.Search;

/// <summary>Greedy decoding (Hugging Face <c>_sample</c> with <c>do_sample=False</c>): the first most likely token of the
/// processed scores at every step.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal sealed class GreedySearch : ISearchStrategy
{
    public string Name => SearchStrategyNames.Greedy;

    public void Validate(ResolvedGenerationOptions options, ModelInfo model) =>
        StrategyValidation.ValidateSingleSequence(options, "for greedy decoding (it has one answer per prompt; use sampling or beam search for more)");

    public GenerationResult Search(SearchContext context, CancellationToken cancellationToken) =>
        TokenByTokenLoop.Run(context, expand: 1, TokenSelectors.Greedy, cancellationToken);
}
