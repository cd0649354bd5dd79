namespace Gpt2Kit.Models;

/// <summary>An optional capability of an <see cref="ICausalLanguageModel"/>: one decoding step (one new token per row) for
/// several of its sessions at once, each with its own KV cache and length. Reading the weights once for every row is what
/// makes serving many requests together faster than one after another; attention still runs per session.</summary>
/// <remarks>Implementations must be thread-safe across calls, and give every row the same logits it would get from its own
/// session's <see cref="IModelSession.Forward"/> (bit for bit), whatever the other rows of the batch are. The sessions of
/// one call must not be used elsewhere during it.</remarks>
public interface IBatchDecodingModel
{
    /// <summary>Appends one token to every row of every session (advancing each session's <see cref="IModelSession.Length"/>
    /// by one) and writes each row's logits.</summary>
    /// <param name="sessions">Sessions created by this model, each at most once; rows are taken in this order.</param>
    /// <param name="tokens">One id per row of every session, in order (<c>Σ Rows</c> entries).</param>
    /// <param name="positions">One position id per row.</param>
    /// <param name="attentionMask">One mask value (0 or 1) per row.</param>
    /// <param name="logits">Receives <c>[Σ Rows, VocabSize]</c>.</param>
    /// <exception cref="ArgumentException">A session is foreign or repeated, or a span length, token or position is out of range.</exception>
    /// <exception cref="InvalidOperationException">A session is full.</exception>
    void DecodeBatch(IReadOnlyList<IModelSession> sessions, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions,
        ReadOnlySpan<int> attentionMask, Span<float> logits);
}
