using System.Numerics.Tensors;

namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>TemperatureLogitsWarper</c>: divides every score by the temperature.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed class TemperatureProcessor : ILogitsProcessor
{
    private readonly float _temperature;

    /// <summary>Creates the warper; <paramref name="temperature"/> must be &gt; 0.</summary>
    public TemperatureProcessor(double temperature) => _temperature = (float)temperature;

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores) => TensorPrimitives.Divide(scores, _temperature, scores);
}

/// <summary>Creates <c>temperature</c> warpers. Settings: <c>value</c> (alias <c>temperature</c>), a number &gt; 0.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class TemperatureProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "temperature";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Warper;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return new TemperatureProcessor(SettingKeys.ReadNumber(arguments, "value", "temperature", NumberRange.Above(0)));
    }
}
