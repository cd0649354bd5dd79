using System.Reflection;
using System.Text.Json.Serialization;
using Gpt2Kit.Decoding;

namespace Gpt2Kit.Configuration;

/// <summary>The one table of generation option rules: for every <see cref="GenerationOptions"/> field its Hugging Face
/// name, its range (with an upper bound on every size, so nothing from outside reaches an allocation unchecked), the
/// library default used when no layer sets it, the value that turns it off, what it builds, and its help text. The
/// resolver, configuration binding, the processor factories, the CLI's flags and the IChatClient mapper all read it, so
/// a value is allowed or refused with the same words everywhere.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
public static class GenerationOptionRules
{
    /// <summary>Upper bound of every token count (lengths, n-gram sizes, top-k); the model's context bounds lengths further.</summary>
    public const int MaxTokens = 1_000_000;

    /// <summary>Upper bound of <c>num_beams</c> and <c>num_return_sequences</c>.</summary>
    public const int MaxRows = 10_000;

    /// <summary>Upper bound of the number of entries of a list option (<c>bad_words_ids</c>, <c>suppress_tokens</c>, …).</summary>
    public const int MaxListEntries = 1_000_000;

    /// <summary>Upper bound of <c>max_time</c> in seconds (about 115 days).</summary>
    public const double MaxSeconds = 1e7;

    private static readonly NumberRange TokenId = NumberRange.Integers(0);
    private static readonly NumberRange Tokens = NumberRange.Integers(0, MaxTokens);

    /// <summary><c>max_length</c>.</summary>
    public static OptionRule MaxLength { get; } = Rule(nameof(GenerationOptions.MaxLength), NumberRange.Integers(1, MaxTokens), 20, null, "Longest total length, prompt included.");

    /// <summary><c>max_new_tokens</c>.</summary>
    public static OptionRule MaxNewTokens { get; } = Rule(nameof(GenerationOptions.MaxNewTokens), NumberRange.Integers(1, MaxTokens), null, null, "New tokens to generate (wins over max_length).");

    /// <summary><c>min_length</c>.</summary>
    public static OptionRule MinLength { get; } = Rule(nameof(GenerationOptions.MinLength), Tokens, 0, 0, "Total length before EOS may come.", "min_length");

    /// <summary><c>min_new_tokens</c>.</summary>
    public static OptionRule MinNewTokens { get; } = Rule(nameof(GenerationOptions.MinNewTokens), Tokens, null, 0, "New tokens before EOS may come.", "min_new_tokens");

    /// <summary><c>do_sample</c>.</summary>
    public static OptionRule DoSample { get; } = Rule(nameof(GenerationOptions.DoSample), null, false, false, "Sample instead of taking the most likely token (turns on top-k 50).");

    /// <summary><c>num_beams</c>.</summary>
    public static OptionRule NumBeams { get; } = Rule(nameof(GenerationOptions.NumBeams), NumberRange.Integers(1, MaxRows), 1, 1, "Beams for beam search (1: no beam search).");

    /// <summary><c>num_beam_groups</c> (also at most <c>num_beams</c>).</summary>
    public static OptionRule NumBeamGroups { get; } = Rule(nameof(GenerationOptions.NumBeamGroups), NumberRange.Integers(1, MaxRows), 1, 1, "Groups for diverse beam search (divides num_beams).");

    /// <summary><c>penalty_alpha</c>.</summary>
    public static OptionRule PenaltyAlpha { get; } = Rule(nameof(GenerationOptions.PenaltyAlpha), NumberRange.Between(0, 1), null, 0.0, "Contrastive search degeneration penalty (with top_k > 1).");

    /// <summary><c>temperature</c> (checked when sampling).</summary>
    public static OptionRule Temperature { get; } = Rule(nameof(GenerationOptions.Temperature), NumberRange.Above(0), 1.0, 1.0, "Softmax temperature when sampling.", "temperature", onlyWhenSampling: true);

    /// <summary><c>top_k</c>.</summary>
    public static OptionRule TopK { get; } = Rule(nameof(GenerationOptions.TopK), Tokens, 50, 0, "Keep the k most likely tokens when sampling.", "top_k");

    /// <summary><c>top_p</c>.</summary>
    public static OptionRule TopP { get; } = Rule(nameof(GenerationOptions.TopP), NumberRange.Between(0, 1), 1.0, 1.0, "Nucleus sampling mass.", "top_p");

    /// <summary><c>min_p</c>.</summary>
    public static OptionRule MinP { get; } = Rule(nameof(GenerationOptions.MinP), NumberRange.Between(0, 1), null, 0.0, "Keep tokens at least this fraction as likely as the best.", "min_p");

    /// <summary><c>typical_p</c>.</summary>
    public static OptionRule TypicalP { get; } = Rule(nameof(GenerationOptions.TypicalP), new NumberRange(0, 1, MinExclusive: true), 1.0, 1.0, "Locally typical sampling mass.", "typical_p");

    /// <summary><c>epsilon_cutoff</c>.</summary>
    public static OptionRule EpsilonCutoff { get; } = Rule(nameof(GenerationOptions.EpsilonCutoff), new NumberRange(0, 1, MaxExclusive: true), 0.0, 0.0, "Drop tokens less likely than this.", "epsilon_cutoff");

    /// <summary><c>eta_cutoff</c>.</summary>
    public static OptionRule EtaCutoff { get; } = Rule(nameof(GenerationOptions.EtaCutoff), new NumberRange(0, 1, MaxExclusive: true), 0.0, 0.0, "Eta sampling cut-off.", "eta_cutoff");

    /// <summary><c>diversity_penalty</c>.</summary>
    public static OptionRule DiversityPenalty { get; } = Rule(nameof(GenerationOptions.DiversityPenalty), NumberRange.AtLeast(0), 0.0, 0.0, "Hamming diversity penalty between beam groups.", "hamming_diversity");

    /// <summary><c>repetition_penalty</c>.</summary>
    public static OptionRule RepetitionPenalty { get; } = Rule(nameof(GenerationOptions.RepetitionPenalty), NumberRange.Above(0), 1.0, 1.0, "Penalty for tokens already present.", "repetition_penalty");

    /// <summary><c>encoder_repetition_penalty</c>.</summary>
    public static OptionRule EncoderRepetitionPenalty { get; } = Rule(nameof(GenerationOptions.EncoderRepetitionPenalty), NumberRange.Above(0), 1.0, 1.0, "Favours (> 1) tokens of the prompt.", "encoder_repetition_penalty");

    /// <summary><c>length_penalty</c>.</summary>
    public static OptionRule LengthPenalty { get; } = Rule(nameof(GenerationOptions.LengthPenalty), NumberRange.Any, 1.0, 0.0, "Exponent of the generated length dividing beam scores.");

    /// <summary><c>no_repeat_ngram_size</c>.</summary>
    public static OptionRule NoRepeatNgramSize { get; } = Rule(nameof(GenerationOptions.NoRepeatNgramSize), Tokens, 0, 0, "Never repeat an n-gram of this size.", "no_repeat_ngram");

    /// <summary><c>encoder_no_repeat_ngram_size</c>.</summary>
    public static OptionRule EncoderNoRepeatNgramSize { get; } = Rule(nameof(GenerationOptions.EncoderNoRepeatNgramSize), Tokens, 0, 0, "Never repeat an n-gram of the prompt of this size.", "encoder_no_repeat_ngram");

    /// <summary><c>bad_words_ids</c> (ids per entry).</summary>
    public static OptionRule BadWordsIds { get; } = Rule(nameof(GenerationOptions.BadWordsIds), TokenId, null, "[]", "Token sequences that must not be generated.", "bad_words");

    /// <summary><c>renormalize_logits</c>.</summary>
    public static OptionRule RenormalizeLogits { get; } = Rule(nameof(GenerationOptions.RenormalizeLogits), null, false, false, "Log-softmax after the whole chain.", "renormalize");

    /// <summary><c>forced_bos_token_id</c>.</summary>
    public static OptionRule ForcedBosTokenId { get; } = Rule(nameof(GenerationOptions.ForcedBosTokenId), TokenId, null, null, "Force this first token.", "forced_bos");

    /// <summary><c>forced_eos_token_id</c>.</summary>
    public static OptionRule ForcedEosTokenId { get; } = Rule(nameof(GenerationOptions.ForcedEosTokenId), TokenId, null, null, "Force one of these as the last token.", "forced_eos");

    /// <summary><c>remove_invalid_values</c>.</summary>
    public static OptionRule RemoveInvalidValues { get; } = Rule(nameof(GenerationOptions.RemoveInvalidValues), null, false, false, "Replace NaN and infinities in the scores.", "remove_invalid_values");

    /// <summary><c>exponential_decay_length_penalty</c>.</summary>
    public static OptionRule ExponentialDecayLengthPenalty { get; } = Rule(nameof(GenerationOptions.ExponentialDecayLengthPenalty), null, null, null, "Raise EOS scores after a start index.", "exponential_decay_length_penalty");

    /// <summary><c>suppress_tokens</c>.</summary>
    public static OptionRule SuppressTokens { get; } = Rule(nameof(GenerationOptions.SuppressTokens), TokenId, null, "[]", "Tokens never generated.", "suppress_tokens");

    /// <summary><c>begin_suppress_tokens</c>.</summary>
    public static OptionRule BeginSuppressTokens { get; } = Rule(nameof(GenerationOptions.BeginSuppressTokens), TokenId, null, "[]", "Tokens not generated first.", "begin_suppress_tokens");

    /// <summary><c>sequence_bias</c> (ids per entry).</summary>
    public static OptionRule SequenceBias { get; } = Rule(nameof(GenerationOptions.SequenceBias), TokenId, null, null, "Biases of token sequences.", "sequence_bias");

    /// <summary><c>early_stopping</c>.</summary>
    public static OptionRule EarlyStopping { get; } = Rule(nameof(GenerationOptions.EarlyStopping), null, Decoding.EarlyStopping.False, null, "Beam search stop rule: true, false or never.");

    /// <summary><c>num_return_sequences</c>.</summary>
    public static OptionRule NumReturnSequences { get; } = Rule(nameof(GenerationOptions.NumReturnSequences), NumberRange.Integers(1, MaxRows), 1, 1, "Sequences returned per prompt.");

    /// <summary><c>pad_token_id</c>.</summary>
    public static OptionRule PadTokenId { get; } = Rule(nameof(GenerationOptions.PadTokenId), TokenId, null, null, "Padding id (default: the first EOS id).");

    /// <summary><c>bos_token_id</c>.</summary>
    public static OptionRule BosTokenId { get; } = Rule(nameof(GenerationOptions.BosTokenId), TokenId, null, null, "Beginning-of-sequence id.");

    /// <summary><c>eos_token_id</c>.</summary>
    public static OptionRule EosTokenId { get; } = Rule(nameof(GenerationOptions.EosTokenId), TokenId, null, "[]", "End-of-sequence id(s).");

    /// <summary><c>stop_strings</c>.</summary>
    public static OptionRule StopStrings { get; } = Rule(nameof(GenerationOptions.StopStrings), null, null, "[]", "Strings that end a row.", "stop_strings");

    /// <summary><c>max_time</c>.</summary>
    public static OptionRule MaxTime { get; } = Rule(nameof(GenerationOptions.MaxTime), new NumberRange(0, MaxSeconds, MinExclusive: true), null, null, "Wall-clock budget in seconds.", "max_time");

    /// <summary><c>seed</c>.</summary>
    public static OptionRule Seed { get; } = Rule(nameof(GenerationOptions.Seed), new NumberRange(long.MinValue, long.MaxValue, Integer: true), null, null, "Seed of the sampler (same seed, same tokens).");

    /// <summary><c>presence_penalty</c>.</summary>
    public static OptionRule PresencePenalty { get; } = Rule(nameof(GenerationOptions.PresencePenalty), NumberRange.Between(-2, 2), 0.0, 0.0, "OpenAI presence penalty.", "presence_penalty");

    /// <summary><c>frequency_penalty</c>.</summary>
    public static OptionRule FrequencyPenalty { get; } = Rule(nameof(GenerationOptions.FrequencyPenalty), NumberRange.Between(-2, 2), 0.0, 0.0, "OpenAI frequency penalty.", "frequency_penalty");

    /// <summary><c>logit_bias</c> (keys are token ids; biases in [-100, 100]).</summary>
    public static OptionRule LogitBias { get; } = Rule(nameof(GenerationOptions.LogitBias), TokenId, null, "{}", "OpenAI logit bias.", "logit_bias");

    /// <summary>The range of a <c>logit_bias</c> value.</summary>
    public static NumberRange LogitBiasValue { get; } = NumberRange.Between(-100, 100);

    /// <summary><c>repetition_penalty_window</c> (0: the whole sequence).</summary>
    public static OptionRule RepetitionPenaltyWindow { get; } = Rule(nameof(GenerationOptions.RepetitionPenaltyWindow), Tokens, null, 0, "The repetition penalty looks at the last N tokens only (0: all).");

    /// <summary><c>top_alternatives</c> (also at most the vocabulary size).</summary>
    public static OptionRule TopAlternatives { get; } = Rule(nameof(GenerationOptions.TopAlternatives), Tokens, 0, 0, "Most likely alternatives reported per step.");

    /// <summary><c>strategy</c>.</summary>
    public static OptionRule Strategy { get; } = Rule(nameof(GenerationOptions.Strategy), null, null, null, "Search strategy by name (greedy, sample, beam, beam_sample, group_beam, contrastive).");

    /// <summary>Every rule, in <see cref="GenerationOptions"/> order.</summary>
    public static IReadOnlyList<OptionRule> All { get; } =
    [
        MaxLength, MaxNewTokens, MinLength, MinNewTokens, DoSample, NumBeams, NumBeamGroups, PenaltyAlpha, Temperature, TopK, TopP, MinP,
        TypicalP, EpsilonCutoff, EtaCutoff, DiversityPenalty, RepetitionPenalty, EncoderRepetitionPenalty, LengthPenalty, NoRepeatNgramSize,
        EncoderNoRepeatNgramSize, BadWordsIds, RenormalizeLogits, ForcedBosTokenId, ForcedEosTokenId, RemoveInvalidValues,
        ExponentialDecayLengthPenalty, SuppressTokens, BeginSuppressTokens, SequenceBias, EarlyStopping, NumReturnSequences, PadTokenId,
        BosTokenId, EosTokenId, StopStrings, MaxTime, Seed, PresencePenalty, FrequencyPenalty, LogitBias, RepetitionPenaltyWindow,
        TopAlternatives, Strategy,
    ];

    private static readonly Dictionary<string, OptionRule> ByNameTable = All.ToDictionary(r => r.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The rule of a Hugging Face name (case-insensitive), or null.</summary>
    public static OptionRule? Find(string name) => ByNameTable.GetValueOrDefault(name);

    /// <summary>The library's defaults: every rule's default, as the lowest layer (Hugging Face's <c>GenerationConfig()</c>).</summary>
    public static GenerationOptions Defaults()
    {
        var options = new GenerationOptions();
        foreach (var rule in All)
        {
            if (rule.Default is { } value)
            {
                rule.Property.SetValue(options, value);
            }
        }

        return options;
    }

    /// <summary>Resolves <paramref name="options"/> (one layer, over the library defaults) for <paramref name="model"/> as the
    /// generator does for a request of <paramref name="prompts"/> prompts <paramref name="promptLength"/> tokens wide:
    /// checked against this table, lengths fixed. For hosts that build chains themselves (benchmarks, batching servers).</summary>
    /// <exception cref="GenerationConfigurationException">A value is out of range.</exception>
    public static ResolvedGenerationOptions Resolve(GenerationOptions options, Models.ModelInfo model, int promptLength = 1, int prompts = 1) =>
        GenerationOptionsResolver.Finish(GenerationOptionsResolver.Resolve(options, model), promptLength, prompts, model);

    private static OptionRule Rule(string property, NumberRange? range, object? defaultValue, object? off, string help, string? builds = null, bool onlyWhenSampling = false)
    {
        var info = typeof(GenerationOptions).GetProperty(property)!;
        var name = info.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name;
        return new OptionRule(name, info, range, defaultValue, off, builds, help, onlyWhenSampling);
    }
}

/// <summary>One row of <see cref="GenerationOptionRules"/>.</summary>
/// <param name="Name">The Hugging Face name (<c>top_p</c>): the configuration key, the JSON name, the CLI flag without dashes.</param>
/// <param name="Property">The <see cref="GenerationOptions"/> property.</param>
/// <param name="Range">Allowed values (for lists: of each entry; token ids are bounded by the vocabulary when resolved); null for non-numbers.</param>
/// <param name="Default">The library's value when no layer sets it; null when Hugging Face has <c>None</c>.</param>
/// <param name="Off">The value a higher layer gives to turn a lower layer's setting off (as text for lists), or null when it cannot be turned off.</param>
/// <param name="Builds">The processor or criterion it builds when active, or null.</param>
/// <param name="Help">One line of help (CLI flags).</param>
/// <param name="OnlyWhenSampling">Checked only when the request samples (Hugging Face ignores it otherwise).</param>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record OptionRule(string Name, PropertyInfo Property, NumberRange? Range, object? Default, object? Off, string? Builds, string Help, bool OnlyWhenSampling)
{
    /// <summary>The CLI flag (<c>--top-p</c>).</summary>
    public string Flag => "--" + Name.Replace('_', '-');

    /// <summary>The range of a scalar value, or throws when the rule has none.</summary>
    public NumberRange RequiredRange => Range ?? throw new InvalidOperationException($"{Name} has no numeric range.");

    /// <summary>Checks a number against <see cref="Range"/>; the message names <paramref name="path"/> (default: the option's name).</summary>
    public double Check(double value, string? path = null) => RequiredRange.Check(value, path ?? Name);

    /// <summary>Checks an integer against <see cref="Range"/>.</summary>
    public int Check(int value, string? path = null) => RequiredRange.Check(value, path ?? Name);

    /// <summary>The help line with the allowed values and default, e.g. for <c>--help</c>.</summary>
    public string Describe()
    {
        var allowed = Range is { } r ? $" Allowed: {r.Describe()}." : string.Empty;
        var off = Off is { } o && Range is not null ? $" Off: {Format(o)}." : string.Empty;
        var fallback = Default is { } d ? $" Default: {Format(d)}." : string.Empty;
        return $"{Help}{allowed}{fallback}{off}";
    }

    private static string Format(object value) => value switch
    {
        double d => NumberRange.Format(d),
        bool b => b ? "true" : "false",
        _ => value.ToString()!.ToLowerInvariant(),
    };
}
