namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>EncoderNoRepeatNGramLogitsProcessor</c> for a decoder-only model: bans every token that would
/// complete an n-gram of the row's prompt (padding included), looked up with the row's last n − 1 tokens.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed class EncoderNoRepeatNgramProcessor : ILogitsProcessor
{
    private readonly int _size;

    /// <summary>Creates the processor; <paramref name="size"/> &gt;= 1.</summary>
    public EncoderNoRepeatNgramProcessor(int size) => _size = size;

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        var prompt = context.InputIds[..Math.Min(context.PromptLength, context.InputIds.Length)];
        NgramBan.Apply(prompt, context.InputIds, _size, scores);
    }
}

/// <summary>Creates <c>encoder_no_repeat_ngram</c> processors. Settings: <c>size</c> (alias
/// <c>encoder_no_repeat_ngram_size</c>), an integer &gt;= 1.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class EncoderNoRepeatNgramProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "encoder_no_repeat_ngram";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return new EncoderNoRepeatNgramProcessor(
            SettingKeys.ReadInteger(arguments, "size", "encoder_no_repeat_ngram_size", NumberRange.Integers(1)));
    }
}
