namespace Gpt2Kit.Decoding;

/// <summary>One step of a processor chain: rewrites the next-token scores of one row in place.</summary>
/// <remarks>An instance belongs to one request (it may keep per-request state) and is called from one thread at a
/// time; it need not be thread-safe. Filtered tokens are set to <see cref="float.NegativeInfinity"/>.</remarks>
public interface ILogitsProcessor
{
    /// <summary>Rewrites <paramref name="scores"/> (one entry per vocabulary id) for the row described by <paramref name="context"/>.</summary>
    void Process(in LogitsContext context, Span<float> scores);
}

/// <summary>Where a processor sits in a Hugging Face chain.</summary>
public enum LogitsProcessorStage
{
    /// <summary>A processor (penalties, bans, length rules): runs in every mode.</summary>
    Processor,

    /// <summary>A sampling warper (temperature, top-k, top-p, …): runs only when sampling.</summary>
    Warper,

    /// <summary>The chain's last step: a processor that also implements <see cref="ITokenSelector"/> and chooses the token
    /// (llama.cpp's sampler chain ends the same way). Without one the strategy's own choice applies (argmax or a draw).</summary>
    Selector,
}

/// <summary>Chooses the next token of one row from its processed scores: the last step of a chain. Greedy decoding (argmax)
/// and sampling (a seeded draw from softmax) are selectors too; a plugin's selector (Mirostat, …) replaces them by ending
/// the chain with a processor that implements this interface.</summary>
/// <remarks>Same threading as <see cref="ILogitsProcessor"/>: one instance per request, called from one thread at a time.</remarks>
public interface ITokenSelector
{
    /// <summary>Returns the chosen token id of the row described by <paramref name="context"/>.</summary>
    /// <param name="context">The row.</param>
    /// <param name="scores">The row's scores after every processor of the chain (this selector's own <c>Process</c> included).</param>
    /// <param name="random">The request's seeded random source (use <see cref="ScoreMath.Draw"/> for draws).</param>
    int Select(in LogitsContext context, ReadOnlySpan<float> scores, Random random);
}

/// <summary>A stateful chain step that wants to know which token its row took (llama.cpp's <c>accept</c>): called once per
/// running row and step, after the choice, with the same context the processors saw.</summary>
/// <remarks>Same threading as <see cref="ILogitsProcessor"/>.</remarks>
public interface ITokenObserver
{
    /// <summary>Row <paramref name="context"/>.<see cref="LogitsContext.Row"/> took <paramref name="token"/>.</summary>
    void Accept(in LogitsContext context, int token);
}

/// <summary>Creates a processor for one request from its settings. Registered in DI under <see cref="Name"/>.</summary>
/// <remarks>Implementations must be thread-safe (one factory serves every request).</remarks>
public interface ILogitsProcessorFactory
{
    /// <summary>The name used in configuration (<c>{ "type": "top_k" }</c>).</summary>
    string Name { get; }

    /// <summary>Processor or sampling warper.</summary>
    LogitsProcessorStage Stage { get; }

    /// <summary>Creates the processor. Throws <see cref="GenerationConfigurationException"/> when a setting is invalid.</summary>
    ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context);
}

/// <summary>What a factory knows about the request it builds for.</summary>
/// <param name="Model">The model's description.</param>
/// <param name="Options">The request's resolved options (every layer merged, lengths fixed).</param>
/// <param name="MinTokensToKeep">Tokens a warper must never filter (1 when sampling; EOS count + 1 in beam sampling).</param>
/// <param name="Tokenizer">The tokenizer, when the host has one.</param>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record ProcessorCreationContext(
    Models.ModelInfo Model,
    ResolvedGenerationOptions Options,
    int MinTokensToKeep,
    Tokenization.ITokenizer? Tokenizer);
