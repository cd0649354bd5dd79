namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>MinNewTokensLengthLogitsProcessor</c>: until the row has generated the minimum number of new
/// tokens, every end-of-sequence id of the request gets −∞.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed class MinNewTokensProcessor : ILogitsProcessor
{
    private readonly int _minNewTokens;

    /// <summary>Creates the processor.</summary>
    public MinNewTokensProcessor(int minNewTokens) => _minNewTokens = minNewTokens;

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        if (context.Step < _minNewTokens)
        {
            TokenMask.Ban(context.EosTokenIds, scores);
        }
    }
}

/// <summary>Creates <c>min_new_tokens</c> processors. Settings: <c>tokens</c> (alias <c>min_new_tokens</c>), an integer
/// &gt;= 0, the tokens to generate before an end-of-sequence id may be chosen.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class MinNewTokensProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "min_new_tokens";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return new MinNewTokensProcessor(SettingKeys.ReadInteger(arguments, "tokens", "min_new_tokens", NumberRange.Integers(0)));
    }
}
