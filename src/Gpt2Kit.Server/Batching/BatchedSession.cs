using Gpt2Kit.Models;

namespace Gpt2Kit.Server.Batching;

/// <summary>A session whose one-token decoding steps go through the <see cref="DecodeScheduler"/>; everything else (the
/// prompt, scoring, hidden states, reordering) goes straight to the inner session.</summary>
/// <remarks>Not thread-safe, like every session: its request's thread blocks in <see cref="Forward"/> while the scheduler
/// computes the step, and reads the logits afterwards.</remarks>
internal sealed class BatchedSession(IModelSession inner, DecodeScheduler scheduler) : IModelSession
{
    private readonly int _vocab = inner.Info.VocabSize;

    public ModelInfo Info => inner.Info;

    public int Rows => inner.Rows;

    public int Capacity => inner.Capacity;

    public int Length => inner.Length;

    /// <summary>The inner session, which the scheduler hands to the backend.</summary>
    internal IModelSession Inner => inner;

    /// <summary>This step's inputs and outputs, owned by the session and filled on its own thread.</summary>
    internal int[] Tokens { get; } = new int[inner.Rows];

    internal int[] Positions { get; } = new int[inner.Rows];

    internal int[] Mask { get; } = new int[inner.Rows];

    internal float[] Logits { get; } = new float[inner.Rows * inner.Info.VocabSize];

    /// <summary>Set by the scheduler when the step is done (or failed).</summary>
    internal ManualResetEventSlim Done { get; } = new(false);

    internal Exception? Error { get; set; }

    /// <summary>Whether the scheduler counts the session among those it waits for.</summary>
    internal bool Joined { get; set; }

    public void Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> attentionMask, Span<float> logits,
        bool allPositions = false, Span<float> hiddenStates = default)
    {
        if (allPositions || !hiddenStates.IsEmpty || Length == 0 || !IsPlainStep(tokens, positions, attentionMask, logits))
        {
            // Prompts, scoring and anything the backend would refuse run (and fail) exactly as without batching.
            inner.Forward(tokens, positions, attentionMask, logits, allPositions, hiddenStates);
            return;
        }

        tokens.CopyTo(Tokens);
        positions.CopyTo(Positions);
        attentionMask.CopyTo(Mask);
        scheduler.Run(this);
        Logits.CopyTo(logits);
    }

    public void Reorder(ReadOnlySpan<int> sources) => inner.Reorder(sources);

    public void Truncate(int length) => inner.Truncate(length);

    public void Dispose()
    {
        scheduler.Leave(this);
        inner.Dispose();
        Done.Dispose();
    }

    // One valid token per row that fits: anything else is left to the inner session to report.
    private bool IsPlainStep(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> attentionMask, Span<float> logits)
    {
        if (tokens.Length != Rows || positions.Length != Rows || attentionMask.Length != Rows || logits.Length != Rows * _vocab
            || Length + 1 > Capacity)
        {
            return false;
        }

        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)_vocab || (uint)positions[i] >= (uint)Info.ContextLength || attentionMask[i] is not (0 or 1))
            {
                return false;
            }
        }

        return true;
    }
}
