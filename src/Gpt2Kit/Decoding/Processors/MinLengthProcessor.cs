namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>MinLengthLogitsProcessor</c>: while the row (prompt and padding counted) is shorter than the
/// minimum length, every end-of-sequence id of the request gets −∞.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed class MinLengthProcessor : ILogitsProcessor
{
    private readonly int _minLength;

    /// <summary>Creates the processor.</summary>
    public MinLengthProcessor(int minLength) => _minLength = minLength;

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        if (context.CurrentLength < _minLength)
        {
            TokenMask.Ban(context.EosTokenIds, scores);
        }
    }
}

/// <summary>Creates <c>min_length</c> processors. Settings: <c>length</c> (alias <c>min_length</c>), an integer &gt;= 0,
/// the total length (prompt included) before an end-of-sequence id may be chosen.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class MinLengthProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "min_length";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return new MinLengthProcessor(SettingKeys.ReadInteger(arguments, "length", "min_length", NumberRange.Integers(0)));
    }
}
