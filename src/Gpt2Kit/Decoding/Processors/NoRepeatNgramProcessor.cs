namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>NoRepeatNGramLogitsProcessor</c>: bans every token that would complete an n-gram already
/// present in the row (prompt and padding included). With n = 1 every token already present is banned.</summary>
/// <remarks>Scans the row for occurrences of its last n − 1 tokens instead of keeping Hugging Face's n-gram table: the
/// same banned set, no per-request state. Immutable; thread-safe.</remarks>
internal sealed class NoRepeatNgramProcessor : ILogitsProcessor
{
    private readonly int _size;

    /// <summary>Creates the processor; <paramref name="size"/> &gt;= 1.</summary>
    public NoRepeatNgramProcessor(int size) => _size = size;

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores) =>
        NgramBan.Apply(context.InputIds, context.InputIds, _size, scores);
}

/// <summary>Creates <c>no_repeat_ngram</c> processors. Settings: <c>size</c> (alias <c>no_repeat_ngram_size</c>), an
/// integer &gt;= 1.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class NoRepeatNgramProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "no_repeat_ngram";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return new NoRepeatNgramProcessor(SettingKeys.ReadInteger(arguments, "size", "no_repeat_ngram_size", NumberRange.Integers(1)));
    }
}
