using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Gpt2Kit.Decoding.Processors;

/// <summary>Finds the k-th largest score and the largest scores in order without sorting the whole vocabulary.
/// Holds scratch buffers, so one instance serves one processor.</summary>
/// <remarks>Not thread-safe.</remarks>
internal sealed class ScoreSelector
{
    // Up to this k a bounded min-heap (one vectorized pass that skips blocks below the heap's root) beats quickselect.
    private const int HeapLimit = 1024;

    private float[] _work = [];
    private long[] _order = [];
    private bool _lowerIdFirst;

    /// <summary>The k-th largest value, counting repeats (PyTorch's <c>topk(values, k).values[-1]</c>).</summary>
    public float KthLargest(ReadOnlySpan<float> values, int k)
    {
        if (k < 1 || k > values.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, {values.Length}].");
        }

        if (k == 1)
        {
            return TensorPrimitives.Max(values);
        }

        return k <= HeapLimit ? KthLargestByHeap(values, k) : KthLargestBySelection(values, k);
    }

    /// <summary>At least the <paramref name="count"/> largest values, with every value equal to the last of them,
    /// in descending order; equal values are ordered by id (lower first when <paramref name="lowerIdFirstOnTies"/>).
    /// Each entry packs the value's order and the id; read the id with <see cref="IdOf"/>.</summary>
    public ReadOnlySpan<long> LargestInOrder(ReadOnlySpan<float> values, int count, bool lowerIdFirstOnTies)
    {
        count = Math.Clamp(count, 1, values.Length);
        var threshold = count == values.Length ? float.NegativeInfinity : KthLargest(values, count);
        if (_order.Length < values.Length)
        {
            _order = new long[values.Length];
        }

        var n = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i];
            if (value >= threshold || count == values.Length)
            {
                // Ascending sort of (~order, tie key) gives descending values, then the requested id order.
                var tie = lowerIdFirstOnTies ? (uint)i : (uint)(int.MaxValue - i);
                _order[n++] = ((long)~ScoreKernels.OrderedBits(value) << 32) | tie;
            }
        }

        var result = _order.AsSpan(0, n);
        result.Sort();
        _lowerIdFirst = lowerIdFirstOnTies;
        return result;
    }

    /// <summary>The id packed in an entry returned by the last <see cref="LargestInOrder"/> call.</summary>
    public int IdOf(long entry)
    {
        var tie = (int)(uint)entry;
        return _lowerIdFirst ? tie : int.MaxValue - tie;
    }

    private float[] Work(int length)
    {
        if (_work.Length < length)
        {
            _work = new float[length];
        }

        return _work;
    }

    private float KthLargestByHeap(ReadOnlySpan<float> values, int k)
    {
        // Min-heap of the k largest values seen so far; its root is the current k-th largest.
        var heap = Work(k).AsSpan(0, k);
        values[..k].CopyTo(heap);
        for (var i = (k / 2) - 1; i >= 0; i--)
        {
            SiftDown(heap, i);
        }

        ref var start = ref MemoryMarshal.GetReference(values);
        var index = k;
        var width = Vector<float>.Count;
        while (index < values.Length)
        {
            if (Vector.IsHardwareAccelerated && index + width <= values.Length)
            {
                var block = Vector.LoadUnsafe(ref start, (nuint)index);
                if (Vector.GreaterThanAny(block, new Vector<float>(heap[0])))
                {
                    for (var j = index; j < index + width; j++)
                    {
                        Offer(heap, values[j]);
                    }
                }

                index += width;
            }
            else
            {
                Offer(heap, values[index++]);
            }
        }

        return heap[0];
    }

    private static void Offer(Span<float> heap, float value)
    {
        if (value > heap[0])
        {
            heap[0] = value;
            SiftDown(heap, 0);
        }
    }

    private static void SiftDown(Span<float> heap, int i)
    {
        var value = heap[i];
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= heap.Length)
            {
                break;
            }

            if (child + 1 < heap.Length && heap[child + 1] < heap[child])
            {
                child++;
            }

            if (heap[child] >= value)
            {
                break;
            }

            heap[i] = heap[child];
            i = child;
        }

        heap[i] = value;
    }

    private float KthLargestBySelection(ReadOnlySpan<float> values, int k)
    {
        var work = Work(values.Length).AsSpan(0, values.Length);
        values.CopyTo(work);
        return NthSmallest(work, values.Length - k);
    }

    // Hoare quickselect with a median-of-three pivot: average O(n), partially reorders `a`.
    private static float NthSmallest(Span<float> a, int nth)
    {
        int lo = 0, hi = a.Length - 1;
        while (hi > lo)
        {
            var pivot = MedianOfThree(a[lo], a[lo + ((hi - lo) / 2)], a[hi]);
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot)
                {
                    i++;
                }

                while (a[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }

            if (nth <= j)
            {
                hi = j;
            }
            else if (nth >= i)
            {
                lo = i;
            }
            else
            {
                return a[nth];
            }
        }

        return a[lo];
    }

    private static float MedianOfThree(float a, float b, float c) =>
        a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
}
