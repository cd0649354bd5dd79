using Gpt2Kit.Models;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Decoding;

/// <summary>A request after resolution: its options resolved and checked once, its chain and criteria built once, ready
/// to become a <see cref="SearchContext"/>.</summary>
/// <remarks>Belongs to one request; not thread-safe (its processors and criteria keep per-request state).</remarks>
internal sealed class PreparedRun(
    ICausalLanguageModel model,
    ITokenizer tokenizer,
    ISearchStrategy strategy,
    ResolvedGenerationOptions options,
    PromptBatch prompt,
    ResolvedOptions resolved,
    ProcessorChain chain,
    IReadOnlyList<IStoppingCriterion> criteria)
{
    public ISearchStrategy Strategy => strategy;

    public ResolvedGenerationOptions Options => options;

    public PromptBatch Prompt => prompt;

    public ResolvedOptions Resolved => resolved;

    public ProcessorChain Chain => chain;

    /// <summary>The strategy's context, reporting to <paramref name="observer"/>; long inputs to the model are fed in chunks
    /// that check <paramref name="cancellationToken"/> and <c>max_time</c>.</summary>
    public SearchContext Context(IGenerationObserver? observer, CancellationToken cancellationToken = default) => new()
    {
        Model = new ChunkedPrefillModel(model, cancellationToken, options.MaxTime),
        Options = options,
        InputIds = prompt.InputIds,
        AttentionMask = prompt.AttentionMask,
        EosTokenIds = resolved.EosTokenIds,
        Chain = chain,
        StoppingCriteria = criteria,
        Random = resolved.Random,
        Tokenizer = tokenizer,
        Observer = observer,
    };
}
