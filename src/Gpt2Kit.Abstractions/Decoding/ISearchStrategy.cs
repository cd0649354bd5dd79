using Gpt2Kit.Models;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Decoding;

/// <summary>A decoding loop (greedy, sampling, beam search, …), registered in DI under <see cref="Name"/>.</summary>
/// <remarks>Implementations must be thread-safe: one instance serves concurrent requests, so per-request state lives
/// in locals or in the <see cref="SearchContext"/>.</remarks>
public interface ISearchStrategy
{
    /// <summary>The name used in options (<c>"beam"</c>) and configuration.</summary>
    string Name { get; }

    /// <summary>Checks the options this strategy depends on; throws <see cref="GenerationConfigurationException"/> naming the
    /// option and the allowed range. Called before any model work.</summary>
    void Validate(ResolvedGenerationOptions options, ModelInfo model);

    /// <summary>Runs the loop to the end and returns the sequences.</summary>
    /// <exception cref="OperationCanceledException">Cancelled; checked at least once per step.</exception>
    GenerationResult Search(SearchContext context, CancellationToken cancellationToken);
}

/// <summary>Everything a search strategy needs for one request. Built by the generator.</summary>
/// <remarks>Belongs to one request; not thread-safe.</remarks>
public sealed class SearchContext
{
    /// <summary>The model to run.</summary>
    public required ICausalLanguageModel Model { get; init; }

    /// <summary>The request's options, resolved once (every layer merged; EOS, pad and lengths filled in).</summary>
    public required ResolvedGenerationOptions Options { get; init; }

    /// <summary>The padded prompt rows, one per prompt (not yet expanded for beams or return sequences).</summary>
    public required IReadOnlyList<int[]> InputIds { get; init; }

    /// <summary>The attention mask of <see cref="InputIds"/>.</summary>
    public required IReadOnlyList<int[]> AttentionMask { get; init; }

    /// <summary>Width of the padded prompt.</summary>
    public int PromptLength => InputIds.Count == 0 ? 0 : InputIds[0].Length;

    /// <summary>The resolved maximum total length (prompt included): <see cref="ResolvedGenerationOptions.MaxLength"/>.</summary>
    public int MaxLength => Options.MaxLength;

    /// <summary>End-of-sequence ids: <see cref="ResolvedGenerationOptions.EosTokenId"/>.</summary>
    public required int[] EosTokenIds { get; init; }

    /// <summary>Id written into finished rows: <see cref="ResolvedGenerationOptions.PadTokenId"/>.</summary>
    public int PadTokenId => Options.PadTokenId;

    /// <summary>The processor chain of this request, built once: processors in application order (warpers included when
    /// sampling), ending with a selector when one was given.</summary>
    public required ProcessorChain Chain { get; init; }

    /// <summary>The chain's processors, in application order.</summary>
    public IReadOnlyList<ILogitsProcessor> Processors => Chain.Processors;

    /// <summary>Names of <see cref="Processors"/>, in the same order.</summary>
    public IReadOnlyList<string> ProcessorNames => Chain.Names;

    /// <summary>Stopping criteria besides max length and EOS, which every strategy handles itself.</summary>
    public IReadOnlyList<IStoppingCriterion> StoppingCriteria { get; init; } = [];

    /// <summary>The request's random source (seeded from <see cref="GenerationOptions.Seed"/>).</summary>
    public required Random Random { get; init; }

    /// <summary>The tokenizer, when the host has one.</summary>
    public ITokenizer? Tokenizer { get; init; }

    /// <summary>Receives each chosen token as it is chosen (strategies that can stream call it; beam searches do not).</summary>
    public IGenerationObserver? Observer { get; init; }
}

/// <summary>Receives tokens as a strategy chooses them.</summary>
/// <remarks>Called on the strategy's thread, one call at a time.</remarks>
public interface IGenerationObserver
{
    /// <summary>Row <paramref name="row"/> chose <paramref name="tokenId"/> at <paramref name="step"/>.</summary>
    void OnToken(int row, int step, int tokenId, float score, float logprob, IReadOnlyList<TokenAlternative>? alternatives);

    /// <summary>Row <paramref name="row"/> is finished.</summary>
    void OnFinished(int row, FinishReason reason);
}
