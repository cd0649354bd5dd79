using System.Diagnostics;
using System.Globalization;
using Gpt2Kit.Models;

namespace Gpt2Kit.Decoding;

/// <summary>A model bound to one request, whose sessions feed a long input (a prompt's prefill) in chunks and check the
/// request's cancellation token and <c>max_time</c> between chunks, so that neither waits for a whole long prefill.
/// Chunks hold <see cref="ChunkPositions"/> rows × positions, the size the GPT-2 backend computes together anyway, so the
/// results are the same as one call.</summary>
/// <remarks>Belongs to one request; not thread-safe (like the sessions it creates). It does not own the model.</remarks>
internal sealed class ChunkedPrefillModel(ICausalLanguageModel model, CancellationToken cancellationToken, double? maxTimeSeconds) : ICausalLanguageModel
{
    /// <summary>Rows × positions fed per call during a long input.</summary>
    public const int ChunkPositions = 256;

    private readonly long _start = Stopwatch.GetTimestamp();

    public ModelInfo Info => model.Info;

    public IModelSession CreateSession(int rows, int capacity) => new Session(this, model.CreateSession(rows, capacity));

    /// <summary>Not owned: the request's view of the model never disposes it.</summary>
    public void Dispose()
    {
    }

    private void ThrowIfOutOfTime(int done, int total)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (maxTimeSeconds is double seconds && Stopwatch.GetElapsedTime(_start).TotalSeconds > seconds)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"max_time ({seconds} s) ran out during the prompt's forward pass, after {done} of {total} positions; no token was generated."));
        }
    }

    private sealed class Session(ChunkedPrefillModel owner, IModelSession inner) : IModelSession
    {
        private int[] _tokens = [], _positions = [], _mask = [];

        public ModelInfo Info => inner.Info;

        public int Rows => inner.Rows;

        public int Capacity => inner.Capacity;

        public int Length => inner.Length;

        public void Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> attentionMask, Span<float> logits,
            bool allPositions = false, Span<float> hiddenStates = default)
        {
            int rows = inner.Rows;
            int newTokens = rows > 0 ? tokens.Length / rows : 0;
            int chunk = Math.Max(1, ChunkPositions / Math.Max(1, rows));

            // Short inputs (every decoding step) go straight through; so do shapes the chunking does not split
            // (all-position outputs of several rows are interleaved by row).
            if (newTokens <= chunk || tokens.Length != newTokens * rows || (allPositions && rows != 1))
            {
                inner.Forward(tokens, positions, attentionMask, logits, allPositions, hiddenStates);
                return;
            }

            int vocab = allPositions ? logits.Length / newTokens : 0;
            int width = allPositions && !hiddenStates.IsEmpty ? hiddenStates.Length / newTokens : 0;
            for (int t0 = 0; t0 < newTokens; t0 += chunk)
            {
                owner.ThrowIfOutOfTime(t0, newTokens);
                int count = Math.Min(chunk, newTokens - t0);
                Gather(tokens, positions, attentionMask, rows, newTokens, t0, count);
                int n = rows * count;

                // Last-position outputs are overwritten by each chunk and the last one wins; all-position outputs (one row)
                // are contiguous per position.
                var chunkLogits = allPositions ? logits.Slice(t0 * vocab, count * vocab) : logits;
                var chunkHidden = allPositions && width > 0 ? hiddenStates.Slice(t0 * width, count * width) : hiddenStates;
                inner.Forward(_tokens.AsSpan(0, n), _positions.AsSpan(0, n), _mask.AsSpan(0, n), chunkLogits, allPositions, chunkHidden);
            }
        }

        public void Reorder(ReadOnlySpan<int> sources) => inner.Reorder(sources);

        public void Truncate(int length) => inner.Truncate(length);

        public void Dispose() => inner.Dispose();

        // Inputs are row-major [rows, newTokens]; a chunk takes positions t0..t0+count of every row.
        private void Gather(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> mask, int rows, int newTokens, int t0, int count)
        {
            int n = rows * count;
            if (_tokens.Length < n)
            {
                _tokens = new int[n];
                _positions = new int[n];
                _mask = new int[n];
            }

            for (int r = 0; r < rows; r++)
            {
                int from = (r * newTokens) + t0;
                tokens.Slice(from, count).CopyTo(_tokens.AsSpan(r * count));
                positions.Slice(from, count).CopyTo(_positions.AsSpan(r * count));
                mask.Slice(from, count).CopyTo(_mask.AsSpan(r * count));
            }
        }
    }
}
