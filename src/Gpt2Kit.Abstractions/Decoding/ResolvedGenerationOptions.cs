namespace Gpt2Kit.Decoding;

/// <summary>A request's options after every layer was merged and checked: each field is set (the library's default where no
/// layer set it), lengths count the padded prompt, and the special ids, the strategy and the chain are fixed. This is the
/// one form strategies, processor factories and stopping criteria see.</summary>
/// <remarks>Immutable; thread-safe. Built once per request by the generator (lists are private copies).</remarks>
public sealed class ResolvedGenerationOptions
{
    /// <summary>Longest total sequence, prompt (with padding) included: <c>P + max_new_tokens</c> when that was set.</summary>
    public required int MaxLength { get; init; }

    /// <summary>New tokens asked for, when the length was given that way.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>Shortest total sequence before EOS may be chosen (prompt counted).</summary>
    public int MinLength { get; init; }

    /// <summary>New tokens to generate before EOS may be chosen.</summary>
    public int? MinNewTokens { get; init; }

    /// <summary>Whether the strategy samples.</summary>
    public bool DoSample { get; init; }

    /// <summary>Beams (1: no beam search).</summary>
    public int NumBeams { get; init; } = 1;

    /// <summary>Groups of diverse beam search.</summary>
    public int NumBeamGroups { get; init; } = 1;

    /// <summary>Contrastive search's degeneration penalty; null when not set.</summary>
    public double? PenaltyAlpha { get; init; }

    /// <summary>Softmax temperature (sampling).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Top-k (sampling) or contrastive candidates; 0 disables.</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus mass; 1 disables.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Min-p fraction; null or 0 disables.</summary>
    public double? MinP { get; init; }

    /// <summary>Typical-p mass; 1 disables.</summary>
    public double TypicalP { get; init; } = 1.0;

    /// <summary>Epsilon cut-off; 0 disables.</summary>
    public double EpsilonCutoff { get; init; }

    /// <summary>Eta cut-off; 0 disables.</summary>
    public double EtaCutoff { get; init; }

    /// <summary>Hamming diversity penalty between beam groups.</summary>
    public double DiversityPenalty { get; init; }

    /// <summary>Repetition penalty; 1 disables.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>Encoder repetition penalty; 1 disables.</summary>
    public double EncoderRepetitionPenalty { get; init; } = 1.0;

    /// <summary>Length penalty exponent of beam scores.</summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary>Banned n-gram size; 0 disables.</summary>
    public int NoRepeatNgramSize { get; init; }

    /// <summary>Banned prompt n-gram size; 0 disables.</summary>
    public int EncoderNoRepeatNgramSize { get; init; }

    /// <summary>Token sequences that must not be generated; null or empty: none.</summary>
    public IReadOnlyList<int[]>? BadWordsIds { get; init; }

    /// <summary>Log-softmax after the whole chain.</summary>
    public bool RenormalizeLogits { get; init; }

    /// <summary>Forced first token.</summary>
    public int? ForcedBosTokenId { get; init; }

    /// <summary>Tokens forced at the last position.</summary>
    public IReadOnlyList<int>? ForcedEosTokenId { get; init; }

    /// <summary>Replace NaN and infinities in the scores.</summary>
    public bool RemoveInvalidValues { get; init; }

    /// <summary>Exponential decay length penalty.</summary>
    public ExponentialDecayLengthPenalty? ExponentialDecayLengthPenalty { get; init; }

    /// <summary>Tokens never generated.</summary>
    public IReadOnlyList<int>? SuppressTokens { get; init; }

    /// <summary>Tokens not generated first.</summary>
    public IReadOnlyList<int>? BeginSuppressTokens { get; init; }

    /// <summary>Sequence biases.</summary>
    public IReadOnlyList<SequenceBias>? SequenceBias { get; init; }

    /// <summary>Beam search stop rule.</summary>
    public EarlyStopping EarlyStopping { get; init; }

    /// <summary>Sequences returned per prompt.</summary>
    public int NumReturnSequences { get; init; } = 1;

    /// <summary>Padding id written into finished rows: the request's, the model's, else the first EOS (0 when none).</summary>
    public int PadTokenId { get; init; }

    /// <summary>Beginning-of-sequence id, if any.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>End-of-sequence ids (possibly none).</summary>
    public IReadOnlyList<int> EosTokenId { get; init; } = [];

    /// <summary>Stop strings.</summary>
    public IReadOnlyList<string>? StopStrings { get; init; }

    /// <summary>Wall-clock budget in seconds.</summary>
    public double? MaxTime { get; init; }

    /// <summary>The sampler's seed; null: a random one.</summary>
    public long? Seed { get; init; }

    /// <summary>OpenAI presence penalty.</summary>
    public double PresencePenalty { get; init; }

    /// <summary>OpenAI frequency penalty.</summary>
    public double FrequencyPenalty { get; init; }

    /// <summary>OpenAI logit bias.</summary>
    public IReadOnlyDictionary<int, double>? LogitBias { get; init; }

    /// <summary>Window of the repetition penalty; null: the whole sequence.</summary>
    public int? RepetitionPenaltyWindow { get; init; }

    /// <summary>Alternatives reported per step.</summary>
    public int TopAlternatives { get; init; }

    /// <summary>The strategy that runs.</summary>
    public required string Strategy { get; init; }

    /// <summary>The explicit processor chain, when one was given.</summary>
    public IReadOnlyList<ProcessorSpec>? Processors { get; init; }
}
