namespace Gpt2Kit.Decoding;

/// <summary>The outcome of a generation request, shaped as Hugging Face returns it.</summary>
/// <remarks>Immutable by convention; thread-safe for reading. Row <c>i</c> of every list describes output sequence <c>i</c>
/// (<c>prompt × num_return_sequences</c> rows, in prompt order).</remarks>
public sealed record GenerationResult
{
    /// <summary>Prompt (with its padding) and generated tokens; finished rows are filled with the pad id, as Hugging Face does.</summary>
    public required IReadOnlyList<int[]> Sequences { get; init; }

    /// <summary>Width of the padded prompt at the start of every sequence.</summary>
    public required int PromptLength { get; init; }

    /// <summary>Decoded generated text of each sequence (prompt and padding excluded, special tokens skipped).</summary>
    public IReadOnlyList<string> Texts { get; init; } = [];

    /// <summary>Per generated position, Hugging Face <c>compute_transition_scores</c> (processed scores; 0 where a beam had no token).</summary>
    public required IReadOnlyList<float[]> TransitionScores { get; init; }

    /// <summary>Per generated position, the log-softmax of the raw logits at the chosen token.</summary>
    public required IReadOnlyList<float[]> TokenLogprobs { get; init; }

    /// <summary>Beam modes: the length-normalized score of each returned sequence.</summary>
    public IReadOnlyList<float>? SequenceScores { get; init; }

    /// <summary>Beam modes: which running row produced each generated token (−1 after the end).</summary>
    public IReadOnlyList<int[]>? BeamIndices { get; init; }

    /// <summary>Why each sequence ended.</summary>
    public required IReadOnlyList<FinishReason> FinishReasons { get; init; }

    /// <summary>When <see cref="GenerationOptions.TopAlternatives"/> &gt; 0: per sequence and step, the most likely tokens.</summary>
    public IReadOnlyList<IReadOnlyList<TokenAlternative[]>>? Alternatives { get; init; }

    /// <summary>The processors applied, in order (names), for diagnostics.</summary>
    public IReadOnlyList<string> Processors { get; init; } = [];
}

/// <summary>A candidate token at one step.</summary>
/// <param name="TokenId">The token.</param>
/// <param name="Score">Its score after the processor chain.</param>
/// <param name="Logprob">Log-softmax of the processed scores at this token.</param>
/// <param name="Text">The token's text, when a tokenizer is available.</param>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record TokenAlternative(int TokenId, float Score, float Logprob, string? Text = null);

/// <summary>One streamed piece of a generation.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record GenerationUpdate
{
    /// <summary>The output row this update belongs to.</summary>
    public required int Row { get; init; }

    /// <summary>Generated position (0 for the first new token).</summary>
    public required int Step { get; init; }

    /// <summary>The chosen token; −1 on the final update of a row that carries only <see cref="FinishReason"/>.</summary>
    public required int TokenId { get; init; }

    /// <summary>New text that is safe to show: never half a UTF-8 character, never the start of a possible stop string.</summary>
    public string Text { get; init; } = "";

    /// <summary>The token's processed score.</summary>
    public float Score { get; init; }

    /// <summary>Log-softmax of the raw logits at the token.</summary>
    public float Logprob { get; init; }

    /// <summary>The most likely alternatives at this step, when asked for.</summary>
    public IReadOnlyList<TokenAlternative>? Alternatives { get; init; }

    /// <summary>Set on a row's last update.</summary>
    public FinishReason FinishReason { get; init; }
}

/// <summary>The log-probability of a continuation given a prompt (raw log-softmax, no processors).</summary>
/// <param name="SumLogprob">The sum over the continuation's tokens.</param>
/// <param name="TokenLogprobs">One value per continuation token.</param>
/// <remarks>Immutable by convention; thread-safe for reading.</remarks>
public sealed record ScoreResult(double SumLogprob, float[] TokenLogprobs)
{
    /// <summary>When asked for: per continuation token, the most likely tokens at its position, most likely first
    /// (<see cref="TokenAlternative.Score"/> the raw logit, <see cref="TokenAlternative.Logprob"/> its log-softmax).</summary>
    public IReadOnlyList<TokenAlternative[]>? Alternatives { get; init; }
}
