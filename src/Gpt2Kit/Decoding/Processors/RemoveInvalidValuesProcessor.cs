namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>InfNanRemoveLogitsProcessor</c>: NaN becomes 0, +∞ the largest float and −∞ the most negative
/// float, so that sampling never sees an invalid distribution.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed class RemoveInvalidValuesProcessor : ILogitsProcessor
{
    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        for (var i = 0; i < scores.Length; i++)
        {
            var score = scores[i];
            if (!float.IsFinite(score))
            {
                scores[i] = float.IsNaN(score) ? 0f : score > 0 ? float.MaxValue : float.MinValue;
            }
        }
    }
}

/// <summary>Creates <c>remove_invalid_values</c> processors. No settings.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class RemoveInvalidValuesProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "remove_invalid_values";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context) => new RemoveInvalidValuesProcessor();
}
