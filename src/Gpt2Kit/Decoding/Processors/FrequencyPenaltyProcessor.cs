namespace Gpt2Kit.Decoding.Processors;

/// <summary>OpenAI's frequency penalty: subtracts <c>penalty × count</c> from the score of every generated token, where
/// <c>count</c> is how often it occurs at or after the prompt.</summary>
/// <remarks>Keeps a scratch table; one instance per request, not thread-safe.</remarks>
internal sealed class FrequencyPenaltyProcessor : ILogitsProcessor
{
    private readonly float _penalty;
    private readonly Dictionary<int, int> _counts = [];

    /// <summary>Creates the processor.</summary>
    public FrequencyPenaltyProcessor(double penalty) => _penalty = (float)penalty;

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        _counts.Clear();
        foreach (var id in context.InputIds[Math.Min(context.PromptLength, context.InputIds.Length)..])
        {
            _counts[id] = _counts.GetValueOrDefault(id) + 1;
        }

        foreach (var (id, count) in _counts)
        {
            scores[id] -= _penalty * count;
        }
    }
}

/// <summary>Creates <c>frequency_penalty</c> processors (OpenAI meaning, over generated tokens only). Settings:
/// <c>penalty</c> (alias <c>frequency_penalty</c>), a number in [-2, 2].</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class FrequencyPenaltyProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "frequency_penalty";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return new FrequencyPenaltyProcessor(SettingKeys.ReadNumber(arguments, "penalty", "frequency_penalty", NumberRange.Between(-2, 2)));
    }
}
