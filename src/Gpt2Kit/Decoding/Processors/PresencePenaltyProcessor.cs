namespace Gpt2Kit.Decoding.Processors;

/// <summary>OpenAI's presence penalty: subtracts the penalty once from the score of every token that was generated
/// (positions at or after the prompt), however often it occurs.</summary>
/// <remarks>A token generated several times loses the penalty once (<see cref="OncePerTokenRewriter"/>). Keeps a scratch
/// buffer; one instance per request, not thread-safe.</remarks>
internal sealed class PresencePenaltyProcessor : ILogitsProcessor
{
    private readonly Subtract _penalty;
    private readonly OncePerTokenRewriter _rewriter = new();

    /// <summary>Creates the processor.</summary>
    public PresencePenaltyProcessor(double penalty) => _penalty = new Subtract((float)penalty);

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        var generated = context.InputIds[Math.Min(context.PromptLength, context.InputIds.Length)..];
        _rewriter.Apply(generated, scores, _penalty);
    }

    private readonly struct Subtract(float penalty) : IScoreRewrite
    {
        public float Rewrite(float score) => score - penalty;
    }
}

/// <summary>Creates <c>presence_penalty</c> processors (OpenAI meaning, over generated tokens only). Settings:
/// <c>penalty</c> (alias <c>presence_penalty</c>), a number in [-2, 2].</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class PresencePenaltyProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "presence_penalty";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return new PresencePenaltyProcessor(SettingKeys.ReadNumber(arguments, "penalty", "presence_penalty", NumberRange.Between(-2, 2)));
    }
}
