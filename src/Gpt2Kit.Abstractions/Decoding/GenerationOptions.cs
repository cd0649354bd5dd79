using System.Text.Json.Serialization;

namespace Gpt2Kit.Decoding;

/// <summary>How to generate: one layer of Hugging Face <c>GenerationConfig</c> fields under their Hugging Face names (the
/// JSON names), plus a few knobs users of other tools expect.</summary>
/// <remarks>
/// <para>Every field is nullable and null means "not set", as in Microsoft.Extensions.AI's <c>ChatOptions</c>. Layers are
/// merged field by field with <see cref="Overlay"/>: the library's defaults (Hugging Face's) ◄ the model's
/// <c>generation_config.json</c> ◄ the application's settings ◄ the request. A request turns a lower layer's setting off
/// with that setting's disabling value (<c>top_k</c> 0, <c>top_p</c> 1, <c>repetition_penalty</c> 1,
/// <c>no_repeat_ngram_size</c> 0, <c>min_p</c> 0, an empty list for the list fields, <c>repetition_penalty_window</c> 0, …);
/// the defaults each field falls back to are listed in the option table and in <c>docs/architecture.md</c>.</para>
/// <para>Mutable; not thread-safe while being changed. <see cref="Clone"/> before changing shared defaults. Strategies and
/// processors never see this type: they get the request's <see cref="ResolvedGenerationOptions"/>.</para>
/// </remarks>
public sealed class GenerationOptions
{
    /// <summary>Longest total sequence, prompt (with padding) included. Hugging Face default: 20.</summary>
    [JsonPropertyName("max_length")] public int? MaxLength { get; set; }

    /// <summary>New tokens to generate; when set it wins over <see cref="MaxLength"/>.</summary>
    [JsonPropertyName("max_new_tokens")] public int? MaxNewTokens { get; set; }

    /// <summary>Shortest total sequence before EOS may be chosen (prompt counted).</summary>
    [JsonPropertyName("min_length")] public int? MinLength { get; set; }

    /// <summary>New tokens to generate before EOS may be chosen.</summary>
    [JsonPropertyName("min_new_tokens")] public int? MinNewTokens { get; set; }

    /// <summary>Sample instead of choosing the most likely token; turns on the sampling warpers (top-k 50 by default).</summary>
    [JsonPropertyName("do_sample")] public bool? DoSample { get; set; }

    /// <summary>Beams for beam search; 1 means no beam search.</summary>
    [JsonPropertyName("num_beams")] public int? NumBeams { get; set; }

    /// <summary>Groups for diverse (group) beam search; must divide <see cref="NumBeams"/>.</summary>
    [JsonPropertyName("num_beam_groups")] public int? NumBeamGroups { get; set; }

    /// <summary>Degeneration penalty of contrastive search; with <see cref="TopK"/> &gt; 1 and no sampling it selects contrastive search.</summary>
    [JsonPropertyName("penalty_alpha")] public double? PenaltyAlpha { get; set; }

    /// <summary>Softmax temperature (sampling only); must be &gt; 0.</summary>
    [JsonPropertyName("temperature")] public double? Temperature { get; set; }

    /// <summary>Keep the k most likely tokens (sampling) or the k candidates of contrastive search; 0 or null disables. Default 50.</summary>
    [JsonPropertyName("top_k")] public int? TopK { get; set; }

    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches p. 1 disables.</summary>
    [JsonPropertyName("top_p")] public double? TopP { get; set; }

    /// <summary>Keep tokens whose probability is at least this fraction of the most likely one's.</summary>
    [JsonPropertyName("min_p")] public double? MinP { get; set; }

    /// <summary>Locally typical sampling mass; 1 disables.</summary>
    [JsonPropertyName("typical_p")] public double? TypicalP { get; set; }

    /// <summary>Epsilon sampling: drop tokens with probability below this; 0 disables.</summary>
    [JsonPropertyName("epsilon_cutoff")] public double? EpsilonCutoff { get; set; }

    /// <summary>Eta sampling cut-off; 0 disables.</summary>
    [JsonPropertyName("eta_cutoff")] public double? EtaCutoff { get; set; }

    /// <summary>Hamming diversity penalty between beam groups.</summary>
    [JsonPropertyName("diversity_penalty")] public double? DiversityPenalty { get; set; }

    /// <summary>Repetition penalty (divide positive, multiply negative scores of tokens already present); 1 disables.</summary>
    [JsonPropertyName("repetition_penalty")] public double? RepetitionPenalty { get; set; }

    /// <summary>Favours (&gt; 1) tokens of the prompt; 1 disables.</summary>
    [JsonPropertyName("encoder_repetition_penalty")] public double? EncoderRepetitionPenalty { get; set; }

    /// <summary>Exponent of the generated length that divides beam scores.</summary>
    [JsonPropertyName("length_penalty")] public double? LengthPenalty { get; set; }

    /// <summary>Ban repeating any n-gram of this size; 0 disables.</summary>
    [JsonPropertyName("no_repeat_ngram_size")] public int? NoRepeatNgramSize { get; set; }

    /// <summary>Ban n-grams of this size that occur in the prompt; 0 disables.</summary>
    [JsonPropertyName("encoder_no_repeat_ngram_size")] public int? EncoderNoRepeatNgramSize { get; set; }

    /// <summary>Token sequences that must not be generated.</summary>
    [JsonPropertyName("bad_words_ids")] public IList<int[]>? BadWordsIds { get; set; }

    /// <summary>Apply log-softmax after the whole chain.</summary>
    [JsonPropertyName("renormalize_logits")] public bool? RenormalizeLogits { get; set; }

    /// <summary>Force this token as the first one (only when the sequence is one token long).</summary>
    [JsonPropertyName("forced_bos_token_id")] public int? ForcedBosTokenId { get; set; }

    /// <summary>Force one of these tokens as the last one before <see cref="MaxLength"/>.</summary>
    [JsonPropertyName("forced_eos_token_id")] public IList<int>? ForcedEosTokenId { get; set; }

    /// <summary>Replace NaN and infinities in the scores.</summary>
    [JsonPropertyName("remove_invalid_values")] public bool? RemoveInvalidValues { get; set; }

    /// <summary>Raise EOS scores exponentially after <c>Start</c> generated tokens.</summary>
    [JsonPropertyName("exponential_decay_length_penalty")] public ExponentialDecayLengthPenalty? ExponentialDecayLengthPenalty { get; set; }

    /// <summary>Tokens that are never generated.</summary>
    [JsonPropertyName("suppress_tokens")] public IList<int>? SuppressTokens { get; set; }

    /// <summary>Tokens that are not generated as the first new token.</summary>
    [JsonPropertyName("begin_suppress_tokens")] public IList<int>? BeginSuppressTokens { get; set; }

    /// <summary>Biases added to the last token of a sequence when its prefix matches.</summary>
    [JsonPropertyName("sequence_bias")] public IList<SequenceBias>? SequenceBias { get; set; }

    /// <summary>When beam search stops (Hugging Face <c>early_stopping</c>: false, true or "never").</summary>
    [JsonPropertyName("early_stopping")] public EarlyStopping? EarlyStopping { get; set; }

    /// <summary>Sequences returned per prompt.</summary>
    [JsonPropertyName("num_return_sequences")] public int? NumReturnSequences { get; set; }

    /// <summary>Padding id; unset means the first EOS id.</summary>
    [JsonPropertyName("pad_token_id")] public int? PadTokenId { get; set; }

    /// <summary>Beginning-of-sequence id.</summary>
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; set; }

    /// <summary>End-of-sequence ids (one or several); unset means the model's.</summary>
    [JsonPropertyName("eos_token_id")] public IList<int>? EosTokenId { get; set; }

    /// <summary>Strings that end a row when they appear in its decoded text.</summary>
    [JsonPropertyName("stop_strings")] public IList<string>? StopStrings { get; set; }

    /// <summary>Wall-clock budget in seconds.</summary>
    [JsonPropertyName("max_time")] public double? MaxTime { get; set; }

    /// <summary>Seed of the sampler; the same seed gives the same tokens on every run and thread. Null: a random seed.</summary>
    [JsonPropertyName("seed")] public long? Seed { get; set; }

    /// <summary>OpenAI presence penalty: subtracted once from every token already generated.</summary>
    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; set; }

    /// <summary>OpenAI frequency penalty: subtracted once per earlier occurrence of a generated token.</summary>
    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; set; }

    /// <summary>OpenAI logit bias: added to the scores of single tokens.</summary>
    [JsonPropertyName("logit_bias")] public IDictionary<int, double>? LogitBias { get; set; }

    /// <summary>When set, the repetition penalty only looks at the last N tokens (llama.cpp's <c>repeat_last_n</c>).</summary>
    [JsonPropertyName("repetition_penalty_window")] public int? RepetitionPenaltyWindow { get; set; }

    /// <summary>How many most likely alternatives to report at each step (0: none).</summary>
    [JsonPropertyName("top_alternatives")] public int? TopAlternatives { get; set; }

    /// <summary>Search strategy by name (<c>greedy</c>, <c>sample</c>, <c>beam</c>, <c>beam_sample</c>, <c>group_beam</c>,
    /// <c>contrastive</c> or a plugin's); null chooses as Hugging Face does from the other fields.</summary>
    [JsonPropertyName("strategy")] public string? Strategy { get; set; }

    /// <summary>An explicit processor chain; when given it is applied in this order instead of the one derived from the fields above.</summary>
    [JsonIgnore] public IList<ProcessorSpec>? Processors { get; set; }

    /// <summary>This layer with <paramref name="upper"/> laid over it, field by field: every field <paramref name="upper"/>
    /// sets wins, every field it leaves null keeps this layer's value (Hugging Face's <c>generation_config.update(**kwargs)</c>).
    /// Neither input is changed; the result shares no list with them.</summary>
    /// <param name="upper">The higher layer (application settings over the model's, a request over both); null changes nothing.</param>
    public GenerationOptions Overlay(GenerationOptions? upper)
    {
        var lower = Clone();
        if (upper is null)
        {
            return lower;
        }

        upper = upper.Clone();
        var merged = new GenerationOptions
        {
            MaxLength = upper.MaxLength ?? lower.MaxLength,
            MaxNewTokens = upper.MaxNewTokens ?? lower.MaxNewTokens,
            MinLength = upper.MinLength ?? lower.MinLength,
            MinNewTokens = upper.MinNewTokens ?? lower.MinNewTokens,
            DoSample = upper.DoSample ?? lower.DoSample,
            NumBeams = upper.NumBeams ?? lower.NumBeams,
            NumBeamGroups = upper.NumBeamGroups ?? lower.NumBeamGroups,
            PenaltyAlpha = upper.PenaltyAlpha ?? lower.PenaltyAlpha,
            Temperature = upper.Temperature ?? lower.Temperature,
            TopK = upper.TopK ?? lower.TopK,
            TopP = upper.TopP ?? lower.TopP,
            MinP = upper.MinP ?? lower.MinP,
            TypicalP = upper.TypicalP ?? lower.TypicalP,
            EpsilonCutoff = upper.EpsilonCutoff ?? lower.EpsilonCutoff,
            EtaCutoff = upper.EtaCutoff ?? lower.EtaCutoff,
            DiversityPenalty = upper.DiversityPenalty ?? lower.DiversityPenalty,
            RepetitionPenalty = upper.RepetitionPenalty ?? lower.RepetitionPenalty,
            EncoderRepetitionPenalty = upper.EncoderRepetitionPenalty ?? lower.EncoderRepetitionPenalty,
            LengthPenalty = upper.LengthPenalty ?? lower.LengthPenalty,
            NoRepeatNgramSize = upper.NoRepeatNgramSize ?? lower.NoRepeatNgramSize,
            EncoderNoRepeatNgramSize = upper.EncoderNoRepeatNgramSize ?? lower.EncoderNoRepeatNgramSize,
            BadWordsIds = upper.BadWordsIds ?? lower.BadWordsIds,
            RenormalizeLogits = upper.RenormalizeLogits ?? lower.RenormalizeLogits,
            ForcedBosTokenId = upper.ForcedBosTokenId ?? lower.ForcedBosTokenId,
            ForcedEosTokenId = upper.ForcedEosTokenId ?? lower.ForcedEosTokenId,
            RemoveInvalidValues = upper.RemoveInvalidValues ?? lower.RemoveInvalidValues,
            ExponentialDecayLengthPenalty = upper.ExponentialDecayLengthPenalty ?? lower.ExponentialDecayLengthPenalty,
            SuppressTokens = upper.SuppressTokens ?? lower.SuppressTokens,
            BeginSuppressTokens = upper.BeginSuppressTokens ?? lower.BeginSuppressTokens,
            SequenceBias = upper.SequenceBias ?? lower.SequenceBias,
            EarlyStopping = upper.EarlyStopping ?? lower.EarlyStopping,
            NumReturnSequences = upper.NumReturnSequences ?? lower.NumReturnSequences,
            PadTokenId = upper.PadTokenId ?? lower.PadTokenId,
            BosTokenId = upper.BosTokenId ?? lower.BosTokenId,
            EosTokenId = upper.EosTokenId ?? lower.EosTokenId,
            StopStrings = upper.StopStrings ?? lower.StopStrings,
            MaxTime = upper.MaxTime ?? lower.MaxTime,
            Seed = upper.Seed ?? lower.Seed,
            PresencePenalty = upper.PresencePenalty ?? lower.PresencePenalty,
            FrequencyPenalty = upper.FrequencyPenalty ?? lower.FrequencyPenalty,
            LogitBias = upper.LogitBias ?? lower.LogitBias,
            RepetitionPenaltyWindow = upper.RepetitionPenaltyWindow ?? lower.RepetitionPenaltyWindow,
            TopAlternatives = upper.TopAlternatives ?? lower.TopAlternatives,
            Strategy = upper.Strategy ?? lower.Strategy,
            Processors = upper.Processors ?? lower.Processors,
        };
        return merged;
    }

    /// <summary>A deep copy.</summary>
    public GenerationOptions Clone()
    {
        var copy = (GenerationOptions)MemberwiseClone();
        copy.BadWordsIds = BadWordsIds?.Select(w => (int[])w.Clone()).ToList();
        copy.ForcedEosTokenId = ForcedEosTokenId?.ToList();
        copy.SuppressTokens = SuppressTokens?.ToList();
        copy.BeginSuppressTokens = BeginSuppressTokens?.ToList();
        copy.SequenceBias = SequenceBias?.ToList();
        copy.EosTokenId = EosTokenId?.ToList();
        copy.StopStrings = StopStrings?.ToList();
        copy.LogitBias = LogitBias is null ? null : new Dictionary<int, double>(LogitBias);
        copy.Processors = Processors?.ToList();
        return copy;
    }
}

/// <summary>Hugging Face <c>early_stopping</c>.</summary>
public enum EarlyStopping
{
    /// <summary><c>false</c>: stop an item when no running beam can still beat its finished ones (a heuristic on the current length).</summary>
    False,

    /// <summary><c>true</c>: stop an item as soon as it has <c>num_beams</c> finished hypotheses.</summary>
    True,

    /// <summary><c>"never"</c>: the heuristic on the longest possible length (the canonical beam search stop).</summary>
    Never,
}

/// <summary>Hugging Face <c>exponential_decay_length_penalty</c>: <c>(start_index, decay_factor)</c>.</summary>
/// <param name="Start">Generated tokens after which the penalty starts.</param>
/// <param name="Factor">Growth factor per token (&gt; 1 makes EOS more likely).</param>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record ExponentialDecayLengthPenalty(int Start, double Factor);

/// <summary>One entry of Hugging Face <c>sequence_bias</c>.</summary>
/// <param name="Tokens">The sequence; the bias applies to its last token when the rest matches the row's tail.</param>
/// <param name="Bias">Added to the score.</param>
/// <remarks>Immutable by convention (do not change <c>Tokens</c> after creation); thread-safe for reading.</remarks>
public sealed record SequenceBias(int[] Tokens, double Bias);
