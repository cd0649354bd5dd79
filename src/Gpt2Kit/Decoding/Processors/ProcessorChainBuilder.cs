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
    /// <param name="options">The request's resolved options, checked once by the resolver.</param>
    /// <param name="context">What the factories may know about the request (model, <c>MinTokensToKeep</c>).</param>
    /// <param name="sampling">Whether the strategy samples; only then are the warpers derived from the fields added.</param>
    /// <remarks>With <see cref="GenerationOptions.Processors"/> null the chain follows Hugging Face 4.45's order and only
    /// contains the active processors. With an explicit list, that list is built as given, in its order, warpers
    /// included whether or not the strategy samples.</remarks>
    /// <exception cref="GenerationConfigurationException">A field or setting is out of range, or a spec names an unknown type.</exception>
    public ProcessorChain Build(ResolvedGenerationOptions options, ProcessorCreationContext context, bool sampling)
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

    private void BuildExplicit(IReadOnlyList<ProcessorSpec> specs, ProcessorCreationContext context, Chain chain)
    {
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            ArgumentNullException.ThrowIfNull(spec, nameof(specs));
            if (!_factories.TryGetValue(spec.Type, out var factory))
            {
                throw new GenerationConfigurationException(spec.Path, spec.Type, $"a registered processor type ({string.Join(", ", Names)})");
            }

            if (factory.Stage == LogitsProcessorStage.Selector && i != specs.Count - 1)
            {
                throw new GenerationConfigurationException(spec.Path, spec.Type, "a selector only as the last entry of the chain (it chooses the token)");
            }

            chain.Add(factory.Name, factory.Create(new ProcessorArguments(spec), context));
        }
    }

    // The options were checked once by the resolver; here they only decide which processors are active.
    private void BuildFromOptions(ResolvedGenerationOptions options, ProcessorCreationContext context, bool sampling, Chain chain)
    {
        var eos = EndOfSequence.Ids(options, context.Model);

        // Hugging Face 4.45 `_get_logits_processor` order; each processor only when its field makes it active.
        if (options.SequenceBias is { Count: > 0 } sequenceBias)
        {
            chain.Add("sequence_bias", new SequenceBiasProcessor(sequenceBias.Select(b => (b.Tokens, (float)b.Bias)).ToList()));
        }

        if (options.DiversityPenalty > 0 && _factories.TryGetValue(HammingDiversity, out var hamming))
        {
            // The group-beam processor is registered by its strategy; it reads the group from each row's context.
            var spec = ProcessorSpec.Create(HammingDiversity, ("diversity_penalty", options.DiversityPenalty.ToString("R", CultureInfo.InvariantCulture)));
            chain.Add(hamming.Name, hamming.Create(new ProcessorArguments(spec), context));
        }

        if (options.EncoderRepetitionPenalty != 1.0)
        {
            chain.Add("encoder_repetition_penalty", new EncoderRepetitionPenaltyProcessor(options.EncoderRepetitionPenalty));
        }

        if (options.RepetitionPenalty != 1.0)
        {
            chain.Add("repetition_penalty", new RepetitionPenaltyProcessor(options.RepetitionPenalty, options.RepetitionPenaltyWindow));
        }

        // Not Hugging Face: the OpenAI-style penalties and the logit bias go right after the repetition penalty, so that
        // every penalty sees the same raw scores and the bans and length rules below still have the last word.
        if (options.PresencePenalty != 0)
        {
            chain.Add("presence_penalty", new PresencePenaltyProcessor(options.PresencePenalty));
        }

        if (options.FrequencyPenalty != 0)
        {
            chain.Add("frequency_penalty", new FrequencyPenaltyProcessor(options.FrequencyPenalty));
        }

        if (options.LogitBias is { Count: > 0 } logitBias)
        {
            chain.Add("logit_bias", new LogitBiasProcessor(new Dictionary<int, double>(logitBias)));
        }

        if (options.NoRepeatNgramSize > 0)
        {
            chain.Add("no_repeat_ngram", new NoRepeatNgramProcessor(options.NoRepeatNgramSize));
        }

        if (options.EncoderNoRepeatNgramSize > 0)
        {
            chain.Add("encoder_no_repeat_ngram", new EncoderNoRepeatNgramProcessor(options.EncoderNoRepeatNgramSize));
        }

        if (options.BadWordsIds is { Count: > 0 } badWords)
        {
            chain.Add("bad_words", new BadWordsProcessor(CheckNonEmpty(badWords, "bad_words_ids"), eos));
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
            chain.Add("forced_bos", new ForcedBosProcessor(bos));
        }

        if (options.ForcedEosTokenId is { } forcedEos)
        {
            chain.Add("forced_eos", new ForcedEosProcessor(forcedEos.Count > 0
                ? forcedEos.ToArray()
                : throw new GenerationConfigurationException("forced_eos_token_id", "[]", "a non-empty list of token ids")));
        }

        if (options.RemoveInvalidValues)
        {
            chain.Add("remove_invalid_values", new RemoveInvalidValuesProcessor());
        }

        if (options.ExponentialDecayLengthPenalty is { } decay)
        {
            chain.Add("exponential_decay_length_penalty", new ExponentialDecayLengthPenaltyProcessor(decay.Start, decay.Factor));
        }

        if (options.SuppressTokens is { } suppress)
        {
            chain.Add("suppress_tokens", new SuppressTokensProcessor(suppress.ToArray()));
        }

        if (options.BeginSuppressTokens is { } beginSuppress)
        {
            chain.Add("begin_suppress_tokens", new BeginSuppressTokensProcessor(beginSuppress.ToArray(), options.ForcedBosTokenId is not null));
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

    private static void AddWarpers(ResolvedGenerationOptions options, int minTokensToKeep, Chain chain)
    {
        if (options.Temperature != 1.0)
        {
            chain.Add("temperature", new TemperatureProcessor(options.Temperature));
        }

        if (options.TopK != 0)
        {
            chain.Add("top_k", new TopKProcessor(options.TopK, minTokensToKeep));
        }

        if (options.TopP < 1.0)
        {
            chain.Add("top_p", new TopPProcessor(options.TopP, minTokensToKeep));
        }

        if (options.MinP is { } minP)
        {
            chain.Add("min_p", new MinPProcessor(minP, minTokensToKeep));
        }

        if (options.TypicalP < 1.0)
        {
            chain.Add("typical_p", new TypicalPProcessor(options.TypicalP, minTokensToKeep));
        }

        if (options.EpsilonCutoff > 0)
        {
            chain.Add("epsilon_cutoff", new EpsilonCutoffProcessor(options.EpsilonCutoff, minTokensToKeep));
        }

        if (options.EtaCutoff > 0)
        {
            chain.Add("eta_cutoff", new EtaCutoffProcessor(options.EtaCutoff, minTokensToKeep));
        }
    }

    private static int[][] CheckNonEmpty(IReadOnlyList<int[]> lists, string path)
    {
        var result = new int[lists.Count][];
        for (var i = 0; i < lists.Count; i++)
        {
            result[i] = lists[i] is { Length: > 0 } ids ? ids : throw new GenerationConfigurationException($"{path}:{i}", "[]", "a non-empty list of token ids");
        }

        return result;
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
