using System.Numerics;
using System.Runtime.InteropServices;

namespace Gpt2Kit.Decoding.Processors;

/// <summary>Finds where a cumulative mass, summed over tokens in descending key order, first meets a condition, without
/// sorting the vocabulary: tokens are bucketed by key, whole buckets are summed, and only the bucket where the condition
/// is first met is sorted. Used by nucleus (top-p) and typical sampling. Holds scratch buffers, so one instance serves
/// one processor.</summary>
/// <remarks>Not thread-safe.</remarks>
internal sealed class CumulativeOrderSearch
{
    private const int Buckets = 2048;

    private readonly double[] _bucketMass = new double[Buckets];
    private readonly int[] _bucketCount = new int[Buckets];
    private int[] _bucketOf = [];
    private long[] _entries = [];

    /// <summary>Walks the tokens with a finite key in descending key order (equal keys: lower id first when
    /// <paramref name="lowerIdFirstOnTies"/>, else higher id first), adding each token's weight, and finds the first
    /// token after which <paramref name="condition"/> holds.</summary>
    /// <param name="keys">The order key of each token; −∞ keys are left out (their weight must be 0).</param>
    /// <param name="weights">The mass each token adds.</param>
    /// <param name="condition">The monotone condition on the cumulative mass, the token's own weight included.</param>
    /// <param name="lowerIdFirstOnTies">How equal keys are ordered.</param>
    /// <param name="position">The token's position in the order (0 = first), or the number of finite keys when never met.</param>
    /// <param name="id">The token's id, or −1 when never met.</param>
    /// <returns>Whether the condition is met within the finite keys.</returns>
    public bool FindFirst<TCondition>(ReadOnlySpan<float> keys, ReadOnlySpan<float> weights, TCondition condition, bool lowerIdFirstOnTies, out int position, out int id)
        where TCondition : struct, IMassCondition
    {
        var (min, max) = ScoreKernels.FiniteRange(keys);
        position = 0;
        id = -1;
        if (min > max)
        {
            return false;
        }

        // Bucket 0 holds the largest keys; the scale maps the finite range onto the buckets. −∞ keys get bucket −1.
        var scale = max > min ? Buckets / (max - min) : 0f;
        if (_bucketOf.Length < keys.Length)
        {
            _bucketOf = new int[keys.Length];
        }

        var bucketOf = _bucketOf.AsSpan(0, keys.Length);
        AssignBuckets(keys, max, scale, bucketOf);
        Array.Clear(_bucketMass);
        Array.Clear(_bucketCount);
        for (var i = 0; i < keys.Length; i++)
        {
            var bucket = bucketOf[i];
            if (bucket >= 0)
            {
                _bucketMass[bucket] += weights[i];
                _bucketCount[bucket]++;
            }
        }

        var above = 0.0;
        for (var bucket = 0; bucket < Buckets; bucket++)
        {
            if (_bucketCount[bucket] == 0)
            {
                continue;
            }

            if (!condition.IsMet(above + _bucketMass[bucket]))
            {
                above += _bucketMass[bucket];
                position += _bucketCount[bucket];
                continue;
            }

            // The condition is first met inside this bucket: order its tokens exactly and walk them.
            var entries = Gather(keys, bucketOf, bucket, lowerIdFirstOnTies);
            var cumulative = above;
            for (var t = 0; t < entries.Length; t++)
            {
                var tokenId = IdOf(entries[t], lowerIdFirstOnTies);
                cumulative += weights[tokenId];

                // The bucket's sum met the condition; a different summation order may round below it by an ulp.
                if (condition.IsMet(cumulative) || t == entries.Length - 1)
                {
                    position += t;
                    id = tokenId;
                    return true;
                }
            }
        }

        return false;
    }

    private static void AssignBuckets(ReadOnlySpan<float> keys, float max, float scale, Span<int> bucketOf)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref var k = ref MemoryMarshal.GetReference(keys);
            ref var b = ref MemoryMarshal.GetReference(bucketOf);
            var top = new Vector<float>(max);
            var factor = new Vector<float>(scale);
            var last = new Vector<int>(Buckets - 1);
            var none = new Vector<int>(-1);
            var negativeInfinity = new Vector<float>(float.NegativeInfinity);
            for (; i <= keys.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var key = Vector.LoadUnsafe(ref k, (nuint)i);
                var bucket = Vector.Min(Vector.ConvertToInt32((top - key) * factor), last);
                Vector.ConditionalSelect(Vector.GreaterThan(key, negativeInfinity), bucket, none).StoreUnsafe(ref b, (nuint)i);
            }
        }

        for (; i < keys.Length; i++)
        {
            var key = keys[i];
            bucketOf[i] = key > float.NegativeInfinity ? Math.Min(Buckets - 1, (int)((max - key) * scale)) : -1;
        }
    }

    private ReadOnlySpan<long> Gather(ReadOnlySpan<float> keys, ReadOnlySpan<int> bucketOf, int bucket, bool lowerIdFirstOnTies)
    {
        var count = _bucketCount[bucket];
        if (_entries.Length < count)
        {
            _entries = new long[Math.Max(count, 2 * _entries.Length)];
        }

        var n = 0;
        for (var i = bucketOf.IndexOf(bucket); i >= 0; i = NextIndexOf(bucketOf, bucket, i))
        {
            // Ascending sort of (~order, tie key) gives descending keys, then the requested id order.
            var tie = lowerIdFirstOnTies ? (uint)i : (uint)(int.MaxValue - i);
            _entries[n++] = ((long)~ScoreKernels.OrderedBits(keys[i]) << 32) | tie;
        }

        var entries = _entries.AsSpan(0, n);
        entries.Sort();
        return entries;
    }

    private static int NextIndexOf(ReadOnlySpan<int> values, int value, int after)
    {
        var next = values[(after + 1)..].IndexOf(value);
        return next < 0 ? -1 : after + 1 + next;
    }

    private static int IdOf(long entry, bool lowerIdFirstOnTies)
    {
        var tie = (int)(uint)entry;
        return lowerIdFirstOnTies ? tie : int.MaxValue - tie;
    }
}
