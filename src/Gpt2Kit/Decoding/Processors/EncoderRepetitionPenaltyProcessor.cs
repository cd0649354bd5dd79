namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>EncoderRepetitionPenaltyLogitsProcessor</c> for a decoder-only model: tokens of the row's
/// prompt (padding included) are favoured once each: negative scores are divided by the penalty, the others multiplied.</summary>
/// <remarks>Hugging Face stores the reciprocal <c>1/penalty</c> and multiplies/divides by it; so does this, to round alike.
/// Hugging Face 4.45 reads the unexpanded prompts, so with several beams or return sequences it touches the wrong rows;
/// this uses each row's own prompt, as the reference fixtures do. A token repeated in the prompt is favoured once
/// (<see cref="OncePerTokenRewriter"/>). Keeps a scratch buffer; one instance per request, not thread-safe.</remarks>
internal sealed class EncoderRepetitionPenaltyProcessor : ILogitsProcessor
{
    private readonly SignedScale _inversePenalty;
    private readonly OncePerTokenRewriter _rewriter = new();

    /// <summary>Creates the processor; <paramref name="penalty"/> &gt; 0.</summary>
    public EncoderRepetitionPenaltyProcessor(double penalty) => _inversePenalty = new SignedScale((float)(1 / penalty));

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        var prompt = context.InputIds[..Math.Min(context.PromptLength, context.InputIds.Length)];
        _rewriter.Apply(prompt, scores, _inversePenalty);
    }
}

/// <summary>Creates <c>encoder_repetition_penalty</c> processors. Settings: <c>penalty</c> (alias
/// <c>encoder_repetition_penalty</c>), a number &gt; 0; above 1 favours the prompt's tokens.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class EncoderRepetitionPenaltyProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "encoder_repetition_penalty";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return new EncoderRepetitionPenaltyProcessor(
            SettingKeys.ReadNumber(arguments, "penalty", "encoder_repetition_penalty", NumberRange.Above(0)));
    }
}
