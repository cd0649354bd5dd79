using System.Numerics.Tensors;

namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>MinPLogitsWarper</c>: removes the tokens whose probability is below <c>min_p</c> times the
/// largest probability; the <c>min_tokens_to_keep</c> highest scores are always kept.</summary>
/// <remarks>Keeps scratch buffers; one instance per request, not thread-safe.</remarks>
internal sealed class MinPProcessor : ILogitsProcessor
{
    private readonly float _minP;
    private readonly int _minTokensToKeep;
    private readonly SoftmaxBuffers _softmax = new();
    private readonly KeptTopTokens _kept = new();

    /// <summary>Creates the warper; <paramref name="minP"/> in [0, 1].</summary>
    public MinPProcessor(double minP, int minTokensToKeep)
    {
        _minP = (float)minP;
        _minTokensToKeep = minTokensToKeep;
    }

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        var probabilities = _softmax.Probabilities(scores);
        var limit = _minP * TensorPrimitives.Max(probabilities);

        // The highest scores in a stable descending order survive whatever their probability.
        _kept.Remember(scores, scores, _minTokensToKeep);
        ScoreKernels.MaskWhereBelow(scores, probabilities, limit);
        _kept.Restore(scores);
    }
}

/// <summary>Creates <c>min_p</c> warpers. Settings: <c>p</c> (alias <c>min_p</c>), a number in [0, 1];
/// <c>min_keep</c> (alias <c>min_tokens_to_keep</c>), an integer &gt;= 1, by default the request's.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class MinPProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "min_p";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Warper;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        var p = SettingKeys.ReadNumber(arguments, "p", "min_p", NumberRange.Between(0, 1));
        return new MinPProcessor(p, SettingKeys.ReadMinTokensToKeep(arguments, context));
    }
}
