using Gpt2Kit.Configuration;
namespace Gpt2Kit.Decoding.Processors;

/// <summary>OpenAI's logit bias: adds a fixed bias to the scores of single tokens at every step.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed class LogitBiasProcessor : ILogitsProcessor
{
    private readonly int[] _tokens;
    private readonly float[] _biases;

    /// <summary>Creates the processor from token → bias pairs (one entry per token).</summary>
    public LogitBiasProcessor(IEnumerable<KeyValuePair<int, double>> biases)
    {
        ArgumentNullException.ThrowIfNull(biases);
        var list = biases.ToList();
        _tokens = list.Select(b => b.Key).ToArray();
        _biases = list.Select(b => (float)b.Value).ToArray();
    }

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        for (var i = 0; i < _tokens.Length; i++)
        {
            scores[_tokens[i]] += _biases[i];
        }
    }
}

/// <summary>Creates <c>logit_bias</c> processors. Settings: <c>biases</c> (alias <c>logit_bias</c>), a list whose entries
/// are either <c>[token, bias]</c> pairs or <c>{ "token": id, "bias": value }</c> objects; token ids in <c>[0, vocab)</c>,
/// biases in [-100, 100]; a token given twice is an error.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class LogitBiasProcessorFactory : ILogitsProcessorFactory
{
    internal static NumberRange Range => GenerationOptionRules.LogitBiasValue;

    /// <inheritdoc/>
    public string Name => "logit_bias";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        var key = SettingKeys.Choose(arguments, "biases", "logit_bias");
        var tokens = NumberRange.TokenIds(context.Model.VocabSize);
        var biases = new Dictionary<int, double>();
        var index = 0;
        for (; arguments.Has($"{key}:{index}"); index++)
        {
            var entry = $"{key}:{index}";
            var (tokenKey, biasKey) = arguments.Has($"{entry}:token") ? ($"{entry}:token", $"{entry}:bias") : ($"{entry}:0", $"{entry}:1");
            var token = arguments.GetInt32(tokenKey, tokens);
            if (!biases.TryAdd(token, arguments.GetDouble(biasKey, Range)))
            {
                throw new GenerationConfigurationException(arguments.PathOf(tokenKey), $"token {token} is biased twice.");
            }
        }

        if (index == 0)
        {
            throw new GenerationConfigurationException(arguments.PathOf(key), null, "a non-empty list of [token, bias] pairs");
        }

        return new LogitBiasProcessor(biases);
    }
}
