namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>EpsilonLogitsWarper</c>: removes the tokens whose probability is below ε, except those
/// scoring at least the <c>min_tokens_to_keep</c>-th highest score.</summary>
/// <remarks>Keeps scratch buffers; one instance per request, not thread-safe.</remarks>
internal sealed class EpsilonCutoffProcessor : ILogitsProcessor
{
    private readonly float _epsilon;
    private readonly int _minTokensToKeep;
    private readonly ScoreSelector _selector = new();
    private readonly SoftmaxBuffers _softmax = new();

    /// <summary>Creates the warper; <paramref name="epsilon"/> in (0, 1).</summary>
    public EpsilonCutoffProcessor(double epsilon, int minTokensToKeep)
    {
        _epsilon = (float)epsilon;
        _minTokensToKeep = minTokensToKeep;
    }

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        var probabilities = _softmax.Probabilities(scores);
        var topScore = _selector.KthLargest(scores, Math.Min(_minTokensToKeep, scores.Length));
        ScoreKernels.MaskWhereBothBelow(scores, probabilities, _epsilon, topScore);
    }
}

/// <summary>Creates <c>epsilon_cutoff</c> warpers. Settings: <c>epsilon</c> (alias <c>epsilon_cutoff</c>), a number in (0, 1);
/// <c>min_keep</c> (alias <c>min_tokens_to_keep</c>), an integer &gt;= 1, by default the request's.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class EpsilonCutoffProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "epsilon_cutoff";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Warper;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        var epsilon = SettingKeys.ReadNumber(arguments, "epsilon", "epsilon_cutoff", new NumberRange(0, 1, MinExclusive: true, MaxExclusive: true));
        return new EpsilonCutoffProcessor(epsilon, SettingKeys.ReadMinTokensToKeep(arguments, context));
    }
}
