namespace Gpt2Kit.Decoding.Processors;

/// <summary>A monotone condition on a cumulative mass: false up to some point, true from there on.</summary>
internal interface IMassCondition
{
    /// <summary>Whether the condition holds for the mass accumulated so far.</summary>
    bool IsMet(double cumulativeMass);
}

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
        var (min, max) = FiniteRange(keys);
        position = 0;
        id = -1;
        if (min > max)
        {
            return false;
        }

        // Bucket 0 holds the largest keys; the scale maps the finite range onto the buckets.
        var scale = max > min ? Buckets / ((double)max - min) : 0;
        Array.Clear(_bucketMass);
        Array.Clear(_bucketCount);
        for (var i = 0; i < keys.Length; i++)
        {
            var key = keys[i];
            if (key >= min)
            {
                var bucket = BucketOf(key, max, scale);
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
            var entries = Gather(keys, bucket, min, max, scale, lowerIdFirstOnTies);
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

    private static (float Min, float Max) FiniteRange(ReadOnlySpan<float> keys)
    {
        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        foreach (var key in keys)
        {
            if (key > float.NegativeInfinity && key < float.PositiveInfinity)
            {
                min = Math.Min(min, key);
                max = Math.Max(max, key);
            }
        }

        return (min, max);
    }

    private static int BucketOf(float key, float max, double scale) => Math.Min(Buckets - 1, (int)(((double)max - key) * scale));

    private ReadOnlySpan<long> Gather(ReadOnlySpan<float> keys, int bucket, float min, float max, double scale, bool lowerIdFirstOnTies)
    {
        var count = _bucketCount[bucket];
        if (_entries.Length < count)
        {
            _entries = new long[Math.Max(count, 2 * _entries.Length)];
        }

        var n = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            var key = keys[i];
            if (key >= min && BucketOf(key, max, scale) == bucket)
            {
                // Ascending sort of (~order, tie key) gives descending keys, then the requested id order.
                var tie = lowerIdFirstOnTies ? (uint)i : (uint)(int.MaxValue - i);
                _entries[n++] = ((long)~ScoreMath.OrderedBits(key) << 32) | tie;
            }
        }

        var entries = _entries.AsSpan(0, n);
        entries.Sort();
        return entries;
    }

    private static int IdOf(long entry, bool lowerIdFirstOnTies)
    {
        var tie = (int)(uint)entry;
        return lowerIdFirstOnTies ? tie : int.MaxValue - tie;
    }
}
