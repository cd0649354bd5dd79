using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gpt2Kit.Decoding.Processors;

/// <summary>Vectorized masking and summing kernels shared by the processors (the softmax family, top-k selection and the
/// seeded draw are the public <see cref="ScoreMath"/>).</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class ScoreKernels
{
    /// <summary>The sum of <paramref name="values"/> accumulated in double precision.</summary>
    public static double SumAsDouble(ReadOnlySpan<float> values)
    {
        var i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref var v = ref MemoryMarshal.GetReference(values);
            var accumulator = Vector<double>.Zero;
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref v, (nuint)i), out Vector<double> low, out Vector<double> high);
                accumulator += low + high;
            }

            sum = Vector.Sum(accumulator);
        }

        for (; i < values.Length; i++)
        {
            sum += values[i];
        }

        return sum;
    }

    /// <summary>The smallest and largest finite values (min &gt; max when there is none).</summary>
    public static (float Min, float Max) FiniteRange(ReadOnlySpan<float> values)
    {
        var i = 0;
        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            ref var v = ref MemoryMarshal.GetReference(values);
            var lowest = new Vector<float>(float.PositiveInfinity);
            var highest = new Vector<float>(float.NegativeInfinity);
            var positiveInfinity = new Vector<float>(float.PositiveInfinity);
            var negativeInfinity = new Vector<float>(float.NegativeInfinity);
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var value = Vector.LoadUnsafe(ref v, (nuint)i);
                var finite = Vector.GreaterThan(value, negativeInfinity) & Vector.LessThan(value, positiveInfinity);
                lowest = Vector.Min(lowest, Vector.ConditionalSelect(finite, value, positiveInfinity));
                highest = Vector.Max(highest, Vector.ConditionalSelect(finite, value, negativeInfinity));
            }

            for (var lane = 0; lane < Vector<float>.Count; lane++)
            {
                min = Math.Min(min, lowest[lane]);
                max = Math.Max(max, highest[lane]);
            }
        }

        for (; i < values.Length; i++)
        {
            var value = values[i];
            if (float.IsFinite(value))
            {
                min = Math.Min(min, value);
                max = Math.Max(max, value);
            }
        }

        return (min, max);
    }

    /// <summary>Entropy in nats of a distribution given as log-probabilities and probabilities; terms of
    /// filtered tokens (−∞ · 0) count as 0, as <c>nansum</c> skips them.</summary>
    public static double Entropy(ReadOnlySpan<float> logProbabilities, ReadOnlySpan<float> probabilities)
    {
        double sum = 0;
        for (var i = 0; i < logProbabilities.Length; i++)
        {
            var term = logProbabilities[i] * probabilities[i];
            if (!float.IsNaN(term))
            {
                sum += term;
            }
        }

        return -sum;
    }

    /// <summary>Sets every score below <paramref name="threshold"/> to −∞.</summary>
    public static void MaskBelow(Span<float> scores, float threshold) => MaskWhereBelow(scores, scores, threshold);

    /// <summary>Sets <c>scores[i]</c> to −∞ wherever <c>keys[i] &lt; threshold</c>.</summary>
    public static void MaskWhereBelow(Span<float> scores, ReadOnlySpan<float> keys, float threshold)
    {
        var i = 0;
        ref var s = ref MemoryMarshal.GetReference(scores);
        ref var k = ref MemoryMarshal.GetReference(keys);
        if (Vector.IsHardwareAccelerated)
        {
            var limit = new Vector<float>(threshold);
            var filtered = new Vector<float>(float.NegativeInfinity);
            for (; i <= scores.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var key = Vector.LoadUnsafe(ref k, (nuint)i);
                var value = Vector.LoadUnsafe(ref s, (nuint)i);
                Vector.ConditionalSelect(Vector.LessThan(key, limit), filtered, value).StoreUnsafe(ref s, (nuint)i);
            }
        }

        for (; i < scores.Length; i++)
        {
            if (Unsafe.Add(ref k, i) < threshold)
            {
                Unsafe.Add(ref s, i) = float.NegativeInfinity;
            }
        }
    }

    /// <summary>Sets <c>scores[i]</c> to −∞ wherever <c>probabilities[i] &lt; probabilityLimit</c> and
    /// <c>scores[i] &lt; scoreLimit</c> (the epsilon/eta rule: low probability and not among the kept top scores).</summary>
    public static void MaskWhereBothBelow(Span<float> scores, ReadOnlySpan<float> probabilities, float probabilityLimit, float scoreLimit)
    {
        var i = 0;
        ref var s = ref MemoryMarshal.GetReference(scores);
        ref var p = ref MemoryMarshal.GetReference(probabilities);
        if (Vector.IsHardwareAccelerated)
        {
            var probabilityBound = new Vector<float>(probabilityLimit);
            var scoreBound = new Vector<float>(scoreLimit);
            var filtered = new Vector<float>(float.NegativeInfinity);
            for (; i <= scores.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var value = Vector.LoadUnsafe(ref s, (nuint)i);
                var remove = Vector.LessThan(Vector.LoadUnsafe(ref p, (nuint)i), probabilityBound) & Vector.LessThan(value, scoreBound);
                Vector.ConditionalSelect(remove, filtered, value).StoreUnsafe(ref s, (nuint)i);
            }
        }

        for (; i < scores.Length; i++)
        {
            if (Unsafe.Add(ref p, i) < probabilityLimit && Unsafe.Add(ref s, i) < scoreLimit)
            {
                Unsafe.Add(ref s, i) = float.NegativeInfinity;
            }
        }
    }

    /// <summary>An integer whose signed order is the order of the floats (−0 and +0 equal).</summary>
    public static int OrderedBits(float value)
    {
        var bits = BitConverter.SingleToInt32Bits(value == 0 ? 0f : value);
        return bits >= 0 ? bits : bits ^ int.MaxValue;
    }
}
