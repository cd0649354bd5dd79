namespace Gpt2Kit.Models;

/// <summary>A loaded causal language model: immutable weights from which per-request sessions are made.</summary>
/// <remarks>Implementations must be thread-safe: many sessions may run at once over one model.
/// Disposing the model while sessions are running is not allowed.</remarks>
public interface ICausalLanguageModel : IDisposable
{
    /// <summary>Vocabulary size, context length and special ids.</summary>
    ModelInfo Info { get; }

    /// <summary>Creates a session that owns the KV cache of one request.</summary>
    /// <param name="rows">Number of sequences decoded together (batch × beams).</param>
    /// <param name="capacity">Largest number of positions any row will hold (prompt + generated).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> is not positive or <paramref name="capacity"/> is outside 1..<see cref="ModelInfo.ContextLength"/>.</exception>
    IModelSession CreateSession(int rows, int capacity);
}
