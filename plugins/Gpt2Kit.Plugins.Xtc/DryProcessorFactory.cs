using Gpt2Kit.Decoding;

namespace Gpt2Kit.Plugins.Xtc;

/// <summary>DRY ("don't repeat yourself", as in llama.cpp) as the processor <c>dry</c>. Settings: <c>multiplier</c>
/// (default 0.8; 0 disables), <c>base</c> (default 1.75), <c>allowed_length</c> (default 2), <c>penalty_last_n</c>
/// (tokens looked at, −1 = all, 0 disables; default −1) and <c>sequence_breakers</c> (token ids a repeat cannot span;
/// default: llama.cpp's <c>"\n"</c>, <c>":"</c>, <c>"\""</c>, <c>"*"</c> when the host has a tokenizer and each is
/// one token).</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class DryProcessorFactory : ILogitsProcessorFactory
{
    private static readonly string[] DefaultBreakers = ["\n", ":", "\"", "*"];

    /// <inheritdoc/>
    public string Name => "dry";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        var multiplier = arguments.GetDouble("multiplier", 0.8, min: 0);
        var @base = arguments.GetDouble("base", 1.75, min: 1);
        var allowedLength = arguments.GetInt32("allowed_length", 2, min: 1);
        var lastN = arguments.GetInt32("penalty_last_n", -1, min: -1);
        // Configuration reads an empty JSON list as "": no breakers at all.
        var breakers = arguments.GetString("sequence_breakers") == string.Empty
            ? []
            : arguments.GetInt32List("sequence_breakers", min: 0, max: context.Model.VocabSize - 1) ?? DefaultBreakerIds(context);
        return new DryProcessor(multiplier, @base, allowedLength, lastN, [.. breakers]);
    }

    private static int[] DefaultBreakerIds(ProcessorCreationContext context) => context.Tokenizer is { } tokenizer
        ? DefaultBreakers.Select(text => tokenizer.Encode(text, allowSpecialTokens: false)).Where(ids => ids.Length == 1).Select(ids => ids[0]).ToArray()
        : [];
}
