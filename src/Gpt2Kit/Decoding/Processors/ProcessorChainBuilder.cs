using System.Globalization;

namespace Gpt2Kit.Decoding.Processors;

/// <summary>Builds the logits processor chain of a request: Hugging Face 4.45's chain derived from the
/// <see cref="GenerationOptions"/> fields, or an explicit list of <see cref="ProcessorSpec"/>s made by the registered
/// factories.</summary>
/// <remarks>Immutable after construction; thread-safe. The chains it builds belong to one request each.</remarks>
public sealed class ProcessorChainBuilder
{
    private const string HammingDiversity = "hamming_diversity";

    private readonly Dictionary<string, ILogitsProcessorFactory> _factories = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a builder over <paramref name="factories"/> (the built-in ones and any plugin's).</summary>
    /// <exception cref="ArgumentException">Two factories share a name (names compare case-insensitively).</exception>
    public ProcessorChainBuilder(IEnumerable<ILogitsProcessorFactory> factories)
    {
        ArgumentNullException.ThrowIfNull(factories);
        foreach (var factory in factories)
        {
            ArgumentNullException.ThrowIfNull(factory, nameof(factories));
            if (!_factories.TryAdd(factory.Name, factory))
            {
                var existing = _factories[factory.Name];
                throw new ArgumentException(
                    $"Two logits processor factories are named '{factory.Name}': {existing.GetType().FullName} and {factory.GetType().FullName}.",
                    nameof(factories));
            }
        }

        Names = _factories.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The registered processor names, sorted.</summary>
    public IReadOnlyCollection<string> Names { get; }

    /// <summary>Builds the chain of one request.</summary>
    /// <param name="options">The request's resolved options (<c>MaxLength</c>, <c>EosTokenId</c> and <c>MinLength</c>
    /// already computed).</param>
    /// <param name="context">What the factories may know about the request (model, <c>MinTokensToKeep</c>).</param>
    /// <param name="sampling">Whether the strategy samples; only then are the warpers derived from the fields added.</param>
    /// <remarks>With <see cref="GenerationOptions.Processors"/> null the chain follows Hugging Face 4.45's order and only
    /// contains the active processors. With an explicit list, that list is built as given, in its order, warpers
    /// included whether or not the strategy samples.</remarks>
    /// <exception cref="GenerationConfigurationException">A field or setting is out of range, or a spec names an unknown type.</exception>
    public ProcessorChain Build(GenerationOptions options, ProcessorCreationContext context, bool sampling)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        var chain = new Chain();
        if (options.Processors is { } specs)
        {
            BuildExplicit(specs, context, chain);
        }
        else
        {
            BuildFromOptions(options, context, sampling, chain);
        }

        return new ProcessorChain(chain.Processors, chain.Names);
    }

    private void BuildExplicit(IList<ProcessorSpec> specs, ProcessorCreationContext context, Chain chain)
    {
        foreach (var spec in specs)
        {
            ArgumentNullException.ThrowIfNull(spec, nameof(specs));
            if (!_factories.TryGetValue(spec.Type, out var factory))
            {
                throw new GenerationConfigurationException(spec.Path, spec.Type, $"a registered processor type ({string.Join(", ", Names)})");
            }

            chain.Add(factory.Name, factory.Create(new ProcessorArguments(spec), context));
        }
    }

    private void BuildFromOptions(GenerationOptions options, ProcessorCreationContext context, bool sampling, Chain chain)
    {
        var vocabulary = context.Model.VocabSize;
        var eos = EndOfSequence.Ids(options, context.Model);

        // Hugging Face 4.45 `_get_logits_processor` order; each processor only when its field makes it active.
        if (options.SequenceBias is { } sequenceBias)
        {
            chain.Add("sequence_bias", new SequenceBiasProcessor(CheckSequenceBias(sequenceBias, vocabulary)));
        }

        if (options.DiversityPenalty > 0 && _factories.TryGetValue(HammingDiversity, out var hamming))
        {
            // The group-beam processor is registered by its strategy; it reads the group layout from the context's options.
            var spec = ProcessorSpec.Create(HammingDiversity, ("diversity_penalty", options.DiversityPenalty.ToString("R", CultureInfo.InvariantCulture)));
            chain.Add(hamming.Name, hamming.Create(new ProcessorArguments(spec), context));
        }

        if (options.EncoderRepetitionPenalty != 1.0)
        {
            chain.Add("encoder_repetition_penalty", new EncoderRepetitionPenaltyProcessor(
                NumberRange.Positive.Check(options.EncoderRepetitionPenalty, "encoder_repetition_penalty")));
        }

        if (options.RepetitionPenalty != 1.0)
        {
            var penalty = NumberRange.Positive.Check(options.RepetitionPenalty, "repetition_penalty");
            var window = options.RepetitionPenaltyWindow is { } w ? new IntegerRange(1).Check(w, "repetition_penalty_window") : (int?)null;
            chain.Add("repetition_penalty", new RepetitionPenaltyProcessor(penalty, window));
        }

        // Not Hugging Face: the OpenAI-style penalties and the logit bias go right after the repetition penalty, so that
        // every penalty sees the same raw scores and the bans and length rules below still have the last word.
        if (options.PresencePenalty != 0)
        {
            chain.Add("presence_penalty", new PresencePenaltyProcessor(NumberRange.OpenAiPenalty.Check(options.PresencePenalty, "presence_penalty")));
        }

        if (options.FrequencyPenalty != 0)
        {
            chain.Add("frequency_penalty", new FrequencyPenaltyProcessor(NumberRange.OpenAiPenalty.Check(options.FrequencyPenalty, "frequency_penalty")));
        }

        if (options.LogitBias is { Count: > 0 } logitBias)
        {
            chain.Add("logit_bias", new LogitBiasProcessor(CheckLogitBias(logitBias, vocabulary)));
        }

        if (NonNegative(options.NoRepeatNgramSize, "no_repeat_ngram_size") > 0)
        {
            chain.Add("no_repeat_ngram", new NoRepeatNgramProcessor(options.NoRepeatNgramSize));
        }

        if (NonNegative(options.EncoderNoRepeatNgramSize, "encoder_no_repeat_ngram_size") > 0)
        {
            chain.Add("encoder_no_repeat_ngram", new EncoderNoRepeatNgramProcessor(options.EncoderNoRepeatNgramSize));
        }

        if (options.BadWordsIds is { } badWords)
        {
            chain.Add("bad_words", new BadWordsProcessor(CheckTokenLists(badWords, "bad_words_ids", vocabulary), eos));
        }

        if (options.MinLength > 0 && eos.Count > 0)
        {
            chain.Add("min_length", new MinLengthProcessor(options.MinLength));
        }

        if (options.MinNewTokens is > 0 && eos.Count > 0)
        {
            chain.Add("min_new_tokens", new MinNewTokensProcessor(options.MinNewTokens.Value));
        }

        if (options.ForcedBosTokenId is { } bos)
        {
            chain.Add("forced_bos", new ForcedBosProcessor(IntegerRange.TokenIds(vocabulary).Check(bos, "forced_bos_token_id")));
        }

        if (options.ForcedEosTokenId is { } forcedEos)
        {
            chain.Add("forced_eos", new ForcedEosProcessor(CheckTokens(forcedEos, "forced_eos_token_id", vocabulary, allowEmpty: false)));
        }

        if (options.RemoveInvalidValues)
        {
            chain.Add("remove_invalid_values", new RemoveInvalidValuesProcessor());
        }

        if (options.ExponentialDecayLengthPenalty is { } decay)
        {
            chain.Add("exponential_decay_length_penalty", new ExponentialDecayLengthPenaltyProcessor(
                new IntegerRange(0).Check(decay.Start, "exponential_decay_length_penalty:start"),
                NumberRange.Positive.Check(decay.Factor, "exponential_decay_length_penalty:factor")));
        }

        if (options.SuppressTokens is { } suppress)
        {
            chain.Add("suppress_tokens", new SuppressTokensProcessor(CheckTokens(suppress, "suppress_tokens", vocabulary, allowEmpty: true)));
        }

        if (options.BeginSuppressTokens is { } beginSuppress)
        {
            chain.Add("begin_suppress_tokens", new BeginSuppressTokensProcessor(
                CheckTokens(beginSuppress, "begin_suppress_tokens", vocabulary, allowEmpty: true), options.ForcedBosTokenId is not null));
        }

        if (sampling)
        {
            AddWarpers(options, Math.Max(1, context.MinTokensToKeep), chain);
        }

        if (options.RenormalizeLogits)
        {
            chain.Add("renormalize", new RenormalizeProcessor());
        }
    }

    private static void AddWarpers(GenerationOptions options, int minTokensToKeep, Chain chain)
    {
        // Out-of-range values are errors here even where Hugging Face would silently leave the warper out (top_p > 1).
        if (NumberRange.Positive.Check(options.Temperature, "temperature") != 1.0)
        {
            chain.Add("temperature", new TemperatureProcessor(options.Temperature));
        }

        if (options.TopK is { } topK && NonNegative(topK, "top_k") != 0)
        {
            chain.Add("top_k", new TopKProcessor(topK, minTokensToKeep));
        }

        if (NumberRange.UnitClosed.Check(options.TopP, "top_p") < 1.0)
        {
            chain.Add("top_p", new TopPProcessor(options.TopP, minTokensToKeep));
        }

        if (options.MinP is { } minP)
        {
            chain.Add("min_p", new MinPProcessor(NumberRange.UnitClosed.Check(minP, "min_p"), minTokensToKeep));
        }

        if (new NumberRange(0, 1, MinExclusive: true).Check(options.TypicalP, "typical_p") < 1.0)
        {
            chain.Add("typical_p", new TypicalPProcessor(options.TypicalP, minTokensToKeep));
        }

        if (new NumberRange(0, 1, MaxExclusive: true).Check(options.EpsilonCutoff, "epsilon_cutoff") > 0)
        {
            chain.Add("epsilon_cutoff", new EpsilonCutoffProcessor(options.EpsilonCutoff, minTokensToKeep));
        }

        if (new NumberRange(0, 1, MaxExclusive: true).Check(options.EtaCutoff, "eta_cutoff") > 0)
        {
            chain.Add("eta_cutoff", new EtaCutoffProcessor(options.EtaCutoff, minTokensToKeep));
        }
    }

    private static int NonNegative(int value, string path) => value >= 0
        ? value
        : throw new GenerationConfigurationException(path, value.ToString(CultureInfo.InvariantCulture), "an integer >= 0 (0 disables)");

    private static int[] CheckTokens(IList<int> ids, string path, int vocabulary, bool allowEmpty)
    {
        if (!allowEmpty && ids.Count == 0)
        {
            throw new GenerationConfigurationException(path, "[]", "a non-empty list of token ids");
        }

        var range = IntegerRange.TokenIds(vocabulary);
        for (var i = 0; i < ids.Count; i++)
        {
            range.Check(ids[i], $"{path}:{i}");
        }

        return ids.ToArray();
    }

    private static int[][] CheckTokenLists(IList<int[]> lists, string path, int vocabulary)
    {
        if (lists.Count == 0)
        {
            throw new GenerationConfigurationException(path, "[]", "a non-empty list of token id lists");
        }

        return lists.Select((ids, i) => CheckTokens(ids ?? [], $"{path}:{i}", vocabulary, allowEmpty: false)).ToArray();
    }

    private static List<(int[], float)> CheckSequenceBias(IList<SequenceBias> biases, int vocabulary)
    {
        if (biases.Count == 0)
        {
            throw new GenerationConfigurationException("sequence_bias", "[]", "a non-empty list of [[token ids], bias] entries");
        }

        return biases.Select((entry, i) =>
        {
            var path = $"sequence_bias:{i}";
            if (entry is null || double.IsNaN(entry.Bias))
            {
                throw new GenerationConfigurationException(path, entry is null ? null : "NaN", "[[token ids], bias] with a number as bias");
            }

            return (CheckTokens(entry.Tokens ?? [], $"{path}:tokens", vocabulary, allowEmpty: false), (float)entry.Bias);
        }).ToList();
    }

    private static Dictionary<int, double> CheckLogitBias(IDictionary<int, double> biases, int vocabulary)
    {
        var tokens = IntegerRange.TokenIds(vocabulary);
        foreach (var (token, bias) in biases)
        {
            var path = $"logit_bias:{token.ToString(CultureInfo.InvariantCulture)}";
            tokens.Check(token, path);
            LogitBiasProcessorFactory.Range.Check(bias, path);
        }

        return new Dictionary<int, double>(biases);
    }

    private sealed class Chain
    {
        public List<ILogitsProcessor> Processors { get; } = [];

        public List<string> Names { get; } = [];

        public void Add(string name, ILogitsProcessor processor)
        {
            Processors.Add(processor);
            Names.Add(name);
        }
    }
}
