using System.Numerics;

namespace Gpt2Kit.Gpt2.Tokenization;

/// <summary>The BPE merges as a map from a pair of adjacent token ids to the merge's rank (its line in the merges
/// file; lower merges first) and the id of the merged token. Open addressing over flat arrays: this lookup is the
/// inner loop of encoding.</summary>
/// <remarks>Immutable after construction; thread-safe for reading.</remarks>
internal sealed class BpeMergeTable
{
    private const long EmptyKey = -1;

    private readonly long[] _keys;
    private readonly int[] _ranks;
    private readonly int[] _mergedIds;
    private readonly int _shift;

    /// <summary>Builds the table; when a pair appears twice the later line wins, as in Hugging Face's loaders.</summary>
    /// <param name="merges">(left id, right id, merged id) in rank order.</param>
    public BpeMergeTable(IReadOnlyList<(int Left, int Right, int Merged)> merges)
    {
        // A power of two at least twice the count keeps probe chains short.
        int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, merges.Count * 2));
        _shift = 64 - BitOperations.Log2((uint)capacity);
        _keys = new long[capacity];
        Array.Fill(_keys, EmptyKey);
        _ranks = new int[capacity];
        _mergedIds = new int[capacity];
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right, merged) = merges[rank];
            long key = Key(left, right);
            int slot = Slot(key);
            while (_keys[slot] != EmptyKey && _keys[slot] != key)
            {
                slot = (slot + 1) & (capacity - 1);
            }

            _keys[slot] = key;
            _ranks[slot] = rank;
            _mergedIds[slot] = merged;
        }

        Count = merges.Count;
    }

    /// <summary>Number of merge lines the table was built from.</summary>
    public int Count { get; }

    /// <summary>Looks up the merge of <paramref name="left"/> followed by <paramref name="right"/>.</summary>
    public bool TryGetMerge(int left, int right, out int rank, out int mergedId)
    {
        long key = Key(left, right);
        int mask = _keys.Length - 1;
        for (int slot = Slot(key); ; slot = (slot + 1) & mask)
        {
            long found = _keys[slot];
            if (found == key)
            {
                rank = _ranks[slot];
                mergedId = _mergedIds[slot];
                return true;
            }

            if (found == EmptyKey)
            {
                rank = 0;
                mergedId = 0;
                return false;
            }
        }
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    // Fibonacci hashing: the high bits of key × 2^64/φ spread consecutive ids well.
    private int Slot(long key) => (int)((ulong)key * 0x9E3779B97F4A7C15UL >> _shift);
}
