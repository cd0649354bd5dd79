namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>SequenceBiasLogitsProcessor</c>: adds a bias to the last token of each given sequence when
/// the row ends with the rest of it; single-token biases always apply.</summary>
/// <remarks>Keeps a scratch table; one instance per request, not thread-safe.</remarks>
internal sealed class SequenceBiasProcessor : ILogitsProcessor
{
    private readonly SequenceBiasTable _table;

    /// <summary>Creates the processor from (sequence, bias) entries.</summary>
    public SequenceBiasProcessor(IEnumerable<(int[] Tokens, float Bias)> biases) => _table = new SequenceBiasTable(biases);

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores) => _table.Apply(context.InputIds, scores);
}

/// <summary>Creates <c>sequence_bias</c> processors. Settings: <c>biases</c> (alias <c>sequence_bias</c>), a non-empty
/// list whose entries are either <c>{ "tokens": [ids], "bias": value }</c> objects or Hugging Face's <c>[[ids], bias]</c>
/// pairs; every sequence non-empty with token ids in <c>[0, vocab)</c>.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class SequenceBiasProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "sequence_bias";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        var key = SettingKeys.Choose(arguments, "biases", "sequence_bias");
        var tokenRange = NumberRange.TokenIds(context.Model.VocabSize);
        var entries = new List<(int[], float)>();
        for (var index = 0; arguments.Has($"{key}:{index}"); index++)
        {
            var entry = $"{key}:{index}";
            var (tokensKey, biasKey) = arguments.Has($"{entry}:tokens") ? ($"{entry}:tokens", $"{entry}:bias") : ($"{entry}:0", $"{entry}:1");
            var tokens = arguments.GetInt32List(tokensKey, (int)tokenRange.Min, (int)tokenRange.Max);
            if (tokens is null || tokens.Length == 0)
            {
                throw new GenerationConfigurationException(arguments.PathOf(tokensKey), null, $"a non-empty list of token ids, each {tokenRange.Describe()}");
            }

            entries.Add((tokens, (float)arguments.GetDouble(biasKey)));
        }

        if (entries.Count == 0)
        {
            throw new GenerationConfigurationException(arguments.PathOf(key), null, "a non-empty list of { tokens, bias } entries");
        }

        return new SequenceBiasProcessor(entries);
    }
}
