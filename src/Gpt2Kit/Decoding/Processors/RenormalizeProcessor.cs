namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>LogitNormalization</c>: replaces the scores by their log-softmax, so that they are
/// log-probabilities again after the filters.</summary>
/// <remarks>Keeps a scratch buffer; one instance per request, not thread-safe.</remarks>
internal sealed class RenormalizeProcessor : ILogitsProcessor
{
    private float[] _scratch = [];

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        if (_scratch.Length < scores.Length)
        {
            _scratch = new float[scores.Length];
        }

        ScoreMath.LogSoftmax(scores, scores, _scratch);
    }
}

/// <summary>Creates <c>renormalize</c> processors (log-softmax, normally last in a chain). No settings.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class RenormalizeProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "renormalize";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context) => new RenormalizeProcessor();
}
