namespace Gpt2Kit.Models;

/// <summary>The state of one request on a model: a KV cache of <see cref="Rows"/> sequences that all hold
/// <see cref="Length"/> positions (padding included), and the attention mask of those positions.</summary>
/// <remarks>Not thread-safe: one session serves one request on one thread at a time.
/// <see cref="IDisposable.Dispose"/> returns the cache's memory to the model's pool.</remarks>
public interface IModelSession : IDisposable
{
    /// <summary>The owning model's description.</summary>
    ModelInfo Info { get; }

    /// <summary>Number of sequences.</summary>
    int Rows { get; }

    /// <summary>Positions the cache can hold per row.</summary>
    int Capacity { get; }

    /// <summary>Positions already cached per row.</summary>
    int Length { get; }

    /// <summary>Appends <c>T = tokens.Length / Rows</c> new tokens to every row and computes logits.</summary>
    /// <param name="tokens">Row-major <c>[Rows, T]</c> token ids.</param>
    /// <param name="positions">Row-major <c>[Rows, T]</c> position ids (Hugging Face <c>generate()</c> uses
    /// <c>cumsum(mask) − 1</c> with padding at 1; see <see cref="PositionIds"/>).</param>
    /// <param name="attentionMask">Row-major <c>[Rows, T]</c>: 1 for a real token, 0 for padding. Earlier positions keep the
    /// mask they were appended with.</param>
    /// <param name="logits">Receives <c>[Rows, VocabSize]</c> logits of each row's last new position, or
    /// <c>[Rows, T, VocabSize]</c> when <paramref name="allPositions"/> is true.</param>
    /// <param name="allPositions">Whether to return logits for every new position (scoring) instead of the last one.</param>
    /// <param name="hiddenStates">Optional: receives the final normalized hidden states (<c>ln_f</c> output) in the same layout as
    /// <paramref name="logits"/> with <see cref="ModelInfo.HiddenSize"/> in place of the vocabulary; empty to skip.</param>
    /// <exception cref="ArgumentException">Span lengths disagree with <see cref="Rows"/>, or a token or position is out of range.</exception>
    /// <exception cref="InvalidOperationException">The new tokens would overflow <see cref="Capacity"/>.</exception>
    void Forward(
        ReadOnlySpan<int> tokens,
        ReadOnlySpan<int> positions,
        ReadOnlySpan<int> attentionMask,
        Span<float> logits,
        bool allPositions = false,
        Span<float> hiddenStates = default);

    /// <summary>Rearranges rows: new row <c>r</c> becomes a copy of old row <c>sources[r]</c> (cache and mask).
    /// Beam search uses it after each step; contrastive search to fan a row out into candidates.</summary>
    /// <param name="sources">One source row index per row; <c>sources.Length == Rows</c>.</param>
    void Reorder(ReadOnlySpan<int> sources);

    /// <summary>Forgets every position from <paramref name="length"/> on (all rows), so they can be computed again.</summary>
    void Truncate(int length);
}
