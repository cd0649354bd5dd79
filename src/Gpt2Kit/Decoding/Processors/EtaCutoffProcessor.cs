namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>EtaLogitsWarper</c>: with <c>H</c> the entropy of the distribution, removes the tokens whose
/// probability is below <c>η = min(ε, √ε · e^−H)</c>, except those scoring at least the <c>min_tokens_to_keep</c>-th
/// highest score.</summary>
/// <remarks>Keeps scratch buffers; one instance per request, not thread-safe.</remarks>
internal sealed class EtaCutoffProcessor : ILogitsProcessor
{
    private readonly float _epsilon;
    private readonly int _minTokensToKeep;
    private readonly ScoreSelector _selector = new();
    private readonly SoftmaxBuffers _softmax = new();

    /// <summary>Creates the warper; <paramref name="epsilon"/> in (0, 1).</summary>
    public EtaCutoffProcessor(double epsilon, int minTokensToKeep)
    {
        _epsilon = (float)epsilon;
        _minTokensToKeep = minTokensToKeep;
    }

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        var probabilities = _softmax.Probabilities(scores, out var logProbabilities);
        var entropy = (float)ScoreKernels.Entropy(logProbabilities, probabilities);
        var eta = MathF.Min(_epsilon, MathF.Sqrt(_epsilon) * MathF.Exp(-entropy));

        var topScore = _selector.KthLargest(scores, Math.Min(_minTokensToKeep, scores.Length));
        ScoreKernels.MaskWhereBothBelow(scores, probabilities, eta, topScore);
    }
}

/// <summary>Creates <c>eta_cutoff</c> warpers. Settings: <c>epsilon</c> (alias <c>eta_cutoff</c>), a number in (0, 1);
/// <c>min_keep</c> (alias <c>min_tokens_to_keep</c>), an integer &gt;= 1, by default the request's.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class EtaCutoffProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "eta_cutoff";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Warper;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        var epsilon = SettingKeys.ReadNumber(arguments, "epsilon", "eta_cutoff", new NumberRange(0, 1, MinExclusive: true, MaxExclusive: true));
        return new EtaCutoffProcessor(epsilon, SettingKeys.ReadMinTokensToKeep(arguments, context));
    }
}
