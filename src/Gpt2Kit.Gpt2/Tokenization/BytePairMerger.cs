using System.Buffers;

namespace Gpt2Kit.Gpt2.Tokenization;

/// <summary>Applies BPE merges to one pre-tokenized piece: repeatedly merges the adjacent pair with the lowest rank,
/// the leftmost one first among equals. For a GPT-2 merges file (where a merged token is always created by an
/// earlier rank than any merge that uses it) this gives exactly the tokens of OpenAI's <c>encoder.py</c>.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class BytePairMerger
{
    /// <summary>Pieces up to this many symbols use the simple rescanning loop; longer ones a heap, so that a huge
    /// single "word" costs O(n log n) instead of O(n²).</summary>
    internal const int HeapThreshold = 64;

    /// <summary>Merges <paramref name="symbols"/> in place and returns how many symbols remain at its start.</summary>
    public static int Merge(Span<int> symbols, BpeMergeTable merges) =>
        symbols.Length <= HeapThreshold ? MergeByScan(symbols, merges) : MergeByHeap(symbols, merges);

    /// <summary>Keeps the rank of every adjacent pair in an array and rescans it for the lowest after each merge;
    /// only the two pairs next to a merge are looked up again. Quickest for the short pieces that make up most text.</summary>
    internal static int MergeByScan(Span<int> symbols, BpeMergeTable merges)
    {
        int count = symbols.Length;
        if (count < 2)
        {
            return count;
        }

        // ranks[i] and mergedIds[i] describe the pair (symbols[i], symbols[i + 1]); int.MaxValue means no merge.
        int[]? rented = null;
        Span<int> scratch = count <= HeapThreshold ? stackalloc int[2 * HeapThreshold] : (rented = ArrayPool<int>.Shared.Rent(2 * count));
        var ranks = scratch[..count];
        var mergedIds = scratch[count..(2 * count)];
        for (int i = 0; i + 1 < count; i++)
        {
            ranks[i] = RankOf(symbols[i], symbols[i + 1], merges, out mergedIds[i]);
        }

        count = MergeLowestFirst(symbols, ranks, mergedIds, merges);
        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
        }

        return count;
    }

    private static int MergeLowestFirst(Span<int> symbols, Span<int> ranks, Span<int> mergedIds, BpeMergeTable merges)
    {
        int count = symbols.Length;
        while (count > 1)
        {
            int best = 0;
            for (int i = 1; i + 1 < count; i++)
            {
                if (ranks[i] < ranks[best])
                {
                    best = i;
                }
            }

            if (ranks[best] == int.MaxValue)
            {
                break;
            }

            // Merge symbols[best] and symbols[best + 1]: close the gap in all three arrays.
            symbols[best] = mergedIds[best];
            symbols[(best + 2)..count].CopyTo(symbols[(best + 1)..]);
            if (best + 2 < count - 1)
            {
                ranks[(best + 2)..(count - 1)].CopyTo(ranks[(best + 1)..]);
                mergedIds[(best + 2)..(count - 1)].CopyTo(mergedIds[(best + 1)..]);
            }

            count--;
            if (best > 0)
            {
                ranks[best - 1] = RankOf(symbols[best - 1], symbols[best], merges, out mergedIds[best - 1]);
            }

            if (best + 1 < count)
            {
                ranks[best] = RankOf(symbols[best], symbols[best + 1], merges, out mergedIds[best]);
            }
        }

        return count;
    }

    private static int RankOf(int left, int right, BpeMergeTable merges, out int mergedId) =>
        merges.TryGetMerge(left, right, out int rank, out mergedId) ? rank : int.MaxValue;

    /// <summary>Keeps the candidate pairs in a min-heap ordered by (rank, position) over a doubly linked list of
    /// symbols; entries made stale by a neighbouring merge are skipped when they surface.</summary>
    internal static int MergeByHeap(Span<int> symbols, BpeMergeTable merges)
    {
        int n = symbols.Length;
        if (n < 2)
        {
            return n;
        }

        int[] next = ArrayPool<int>.Shared.Rent(n);
        int[] previous = ArrayPool<int>.Shared.Rent(n);
        // Each merge pushes at most two pairs, and there are at most n - 1 merges.
        long[] heap = ArrayPool<long>.Shared.Rent(3 * n);
        try
        {
            int heapCount = 0;
            for (int i = 0; i < n; i++)
            {
                next[i] = i + 1;
                previous[i] = i - 1;
                if (i + 1 < n && merges.TryGetMerge(symbols[i], symbols[i + 1], out int rank, out _))
                {
                    Push(heap, ref heapCount, rank, i);
                }
            }

            while (heapCount > 0)
            {
                long top = Pop(heap, ref heapCount);
                int rank = (int)(top >> 32);
                int position = (int)top;
                int right = next[position];
                // Stale: the left symbol was absorbed, it is now last, or the pair changed since it was pushed.
                if (symbols[position] < 0 || right >= n
                    || !merges.TryGetMerge(symbols[position], symbols[right], out int currentRank, out int merged)
                    || currentRank != rank)
                {
                    continue;
                }

                symbols[position] = merged;
                symbols[right] = -1;
                int after = next[right];
                next[position] = after;
                if (after < n)
                {
                    previous[after] = position;
                }

                int before = previous[position];
                if (before >= 0 && merges.TryGetMerge(symbols[before], merged, out int leftRank, out _))
                {
                    Push(heap, ref heapCount, leftRank, before);
                }

                if (after < n && merges.TryGetMerge(merged, symbols[after], out int rightRank, out _))
                {
                    Push(heap, ref heapCount, rightRank, position);
                }
            }

            int count = 0;
            for (int i = 0; i < n; i = next[i])
            {
                symbols[count++] = symbols[i];
            }

            return count;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(next);
            ArrayPool<int>.Shared.Return(previous);
            ArrayPool<long>.Shared.Return(heap);
        }
    }

    // Heap entries are rank << 32 | position, so comparing longs orders by rank, then leftmost position.
    private static void Push(long[] heap, ref int count, int rank, int position)
    {
        long entry = ((long)rank << 32) | (uint)position;
        int i = count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (heap[parent] <= entry)
            {
                break;
            }

            heap[i] = heap[parent];
            i = parent;
        }

        heap[i] = entry;
    }

    private static long Pop(long[] heap, ref int count)
    {
        long top = heap[0];
        long last = heap[--count];
        int i = 0;
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= count)
            {
                break;
            }

            if (child + 1 < count && heap[child + 1] < heap[child])
            {
                child++;
            }

            if (heap[child] >= last)
            {
                break;
            }

            heap[i] = heap[child];
            i = child;
        }

        heap[i] = last;
        return top;
    }
}
