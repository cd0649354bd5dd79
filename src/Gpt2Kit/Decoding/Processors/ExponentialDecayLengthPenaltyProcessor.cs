using Gpt2Kit.Configuration;
namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>ExponentialDecayLengthPenalty</c>: once more than <c>start</c> tokens were generated
/// (<c>cur_len &gt; start + P</c>), every end-of-sequence score grows by <c>|s| · (factor^(cur_len − start − P) − 1)</c>,
/// which raises it for a factor above 1 whatever its sign.</summary>
/// <remarks>Keeps a scratch buffer; one instance per request, not thread-safe.</remarks>
internal sealed class ExponentialDecayLengthPenaltyProcessor : ILogitsProcessor
{
    private readonly int _start;
    private readonly double _factor;
    private readonly OncePerTokenRewriter _rewriter = new();

    /// <summary>Creates the processor.</summary>
    public ExponentialDecayLengthPenaltyProcessor(int start, double factor)
    {
        _start = start;
        _factor = factor;
    }

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        var regulationStart = _start + context.PromptLength;
        if (context.CurrentLength <= regulationStart)
        {
            return;
        }

        // An EOS id listed twice is raised once (a scatter, not an add).
        var growth = (float)(Math.Pow(_factor, context.CurrentLength - regulationStart) - 1);
        _rewriter.Apply(context.EosTokenIds, scores, new RaiseByMagnitude(growth));
    }

    private readonly struct RaiseByMagnitude(float growth) : IScoreRewrite
    {
        public float Rewrite(float score) => score + (MathF.Abs(score) * growth);
    }
}

/// <summary>Creates <c>exponential_decay_length_penalty</c> processors. Settings: <c>start</c>, an integer &gt;= 0 (generated
/// tokens before the penalty starts), and <c>factor</c>, a number &gt; 0; or Hugging Face's pair
/// <c>exponential_decay_length_penalty: [start, factor]</c>. End-of-sequence ids and the prompt length are the request's.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class ExponentialDecayLengthPenaltyProcessorFactory : ILogitsProcessorFactory
{
    private const string Alias = "exponential_decay_length_penalty";

    /// <inheritdoc/>
    public string Name => "exponential_decay_length_penalty";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var startKey = SettingKeys.Choose(arguments, "start", $"{Alias}:0");
        var factorKey = SettingKeys.Choose(arguments, "factor", $"{Alias}:1");
        return new ExponentialDecayLengthPenaltyProcessor(
            arguments.GetInt32(startKey, NumberRange.Integers(0, GenerationOptionRules.MaxTokens)),
            arguments.GetDouble(factorKey, NumberRange.Above(0)));
    }
}
