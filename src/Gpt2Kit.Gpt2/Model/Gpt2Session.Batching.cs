namespace Gpt2Kit.Gpt2.Model;

/// <summary>What <see cref="BatchDecoder"/> needs of a session: its cache, its mask history and a one-token step.</summary>
internal sealed partial class Gpt2Session
{
    /// <summary>The model that created the session.</summary>
    internal Gpt2Model Owner => _model;

    /// <summary>The session's keys and values.</summary>
    internal KeyValueCache Cache => _cache;

    /// <summary>The attention mask of every held position, <c>[Rows, Capacity]</c>.</summary>
    internal int[] MaskHistory => _mask;

    /// <summary>Checks that one more position fits and records its mask for each row (slot <see cref="Length"/>); the
    /// caller then writes the keys and values at that slot and calls <see cref="EndBatchedStep"/>.</summary>
    /// <param name="attentionMask">One value per row.</param>
    internal void BeginBatchedStep(ReadOnlySpan<int> attentionMask)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Length + 1 > Capacity)
        {
            throw new InvalidOperationException($"1 new position does not fit: the session holds {Length} of its capacity {Capacity}.");
        }

        for (int r = 0; r < Rows; r++)
        {
            _mask[(r * Capacity) + Length] = attentionMask[r];
        }
    }

    /// <summary>Counts the position written by a batched step.</summary>
    internal void EndBatchedStep() => Length++;
}
