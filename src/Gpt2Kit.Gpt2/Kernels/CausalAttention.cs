using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>One query of one head against its cached keys and values, with Hugging Face's eager GPT-2 masking: keys
/// after the query are hidden with <c>finfo(float).min</c> and padding keys get <c>finfo(float).min</c> added, so their
/// weights are exactly 0 whenever the query sees one real key. A query that sees only padding gets what that arithmetic
/// gives in fp32: equal weights for its visible keys and for the real keys after it in the same forward call
/// (finite garbage, never NaN).</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class CausalAttention
{
    /// <summary>Computes the attention output of one query.</summary>
    /// <param name="query">The query, <c>[headSize]</c>.</param>
    /// <param name="keys">Cached keys, row-major <c>[≥ window, headSize]</c>.</param>
    /// <param name="values">Cached values, same layout.</param>
    /// <param name="keyMask">1 for a real key, 0 for padding; <c>[≥ window]</c>.</param>
    /// <param name="visible">Keys <c>0..visible−1</c> are at or before the query.</param>
    /// <param name="window">All keys of the forward call (<c>≥ visible</c>); only used when the query sees no real key.</param>
    /// <param name="scale">Multiplies <c>q·k</c> (<c>1/√headSize</c>, and <c>1/(layer+1)</c> when configured).</param>
    /// <param name="scores">Scratch of at least <paramref name="visible"/> floats.</param>
    /// <param name="output">Receives <c>[headSize]</c>.</param>
    /// <param name="width">The register width (<see cref="SimdWidth.Auto"/>: the best here for heads of this size).</param>
    public static void Compute(ReadOnlySpan<float> query, ReadOnlySpan<float> keys, ReadOnlySpan<float> values, ReadOnlySpan<int> keyMask,
        int visible, int window, float scale, Span<float> scores, Span<float> output, SimdWidth width = SimdWidth.Auto)
    {
        int headSize = query.Length;
        KernelArguments.RequireRange(1, visible, window, nameof(visible));
        KernelArguments.RequireLength(keys.Length, (long)window * headSize, nameof(keys));
        KernelArguments.RequireLength(values.Length, (long)window * headSize, nameof(values));
        KernelArguments.RequireLength(keyMask.Length, window, nameof(keyMask));
        KernelArguments.RequireLength(scores.Length, visible, nameof(scores));
        KernelArguments.RequireLength(output.Length, headSize, nameof(output));
        var kernel = new Kernel(query, keys, values, keyMask, visible, window, scale, scores, output);
        SimdDispatch.Run(ref kernel, width, headSize);
    }

    private readonly ref struct Kernel(ReadOnlySpan<float> query, ReadOnlySpan<float> keys, ReadOnlySpan<float> values, ReadOnlySpan<int> keyMask,
        int visible, int window, float scale, Span<float> scores, Span<float> output) : ISimdKernel
    {
        private readonly ReadOnlySpan<float> _query = query, _keys = keys, _values = values;
        private readonly ReadOnlySpan<int> _keyMask = keyMask;
        private readonly Span<float> _scores = scores, _output = output;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run<TVec>()
            where TVec : struct, ISimdVector<TVec>
        {
            ReadOnlySpan<float> query = _query, keys = _keys, values = _values;
            ReadOnlySpan<int> keyMask = _keyMask;
            Span<float> scores = _scores;
            int headSize = query.Length;
            var output = _output[..headSize];
            ref float q = ref MemoryMarshal.GetReference(query);
            ref float k = ref MemoryMarshal.GetReference(keys);
            ref float v = ref MemoryMarshal.GetReference(values);
            output.Clear();
            ref float o = ref MemoryMarshal.GetReference(output);

            if (keyMask[..visible].IndexOfAnyExcept(0) < 0)
            {
                // Every visible key is padding: all of them, and the real keys after the query, tie at finfo.min.
                int count = visible;
                for (int j = visible; j < window; j++)
                {
                    count += keyMask[j] != 0 ? 1 : 0;
                }

                float weight = 1f / count;
                for (int j = 0; j < window; j++)
                {
                    if (j < visible || keyMask[j] != 0)
                    {
                        Axpy<TVec>(weight, ref Unsafe.Add(ref v, (nint)j * headSize), ref o, headSize);
                    }
                }

                return;
            }

            var s = scores[..visible];
            for (int j = 0; j < visible; j++)
            {
                s[j] = keyMask[j] != 0 ? Dot<TVec>(ref q, ref Unsafe.Add(ref k, (nint)j * headSize), headSize) * scale : float.MinValue;
            }

            Softmax.Apply(s);

            // Four registers of the output at a time stay in registers over all keys (instead of a load and a store of
            // the output per key); each element still sums its keys in order, so the result is the same bit for bit.
            int first = 0;
            for (; first + (4 * TVec.Count) <= headSize; first += 4 * TVec.Count)
            {
                WeightedValueStrip<TVec>(s, keyMask, ref Unsafe.Add(ref v, first), headSize, ref Unsafe.Add(ref o, first));
            }

            if (first < headSize)
            {
                for (int j = 0; j < visible; j++)
                {
                    // Padding weights are exactly zero (exp(finfo.min − max) underflows); skipping them changes nothing.
                    if (keyMask[j] != 0)
                    {
                        Axpy<TVec>(s[j], ref Unsafe.Add(ref v, ((nint)j * headSize) + first), ref Unsafe.Add(ref o, first), headSize - first);
                    }
                }
            }
        }
    }

    // output[0 .. 4·Count) = Σ_j weights[j] · values[j, 0 .. 4·Count) over the real keys, in key order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WeightedValueStrip<TVec>(ReadOnlySpan<float> weights, ReadOnlySpan<int> keyMask, ref float values, int rowLength, ref float output)
        where TVec : struct, ISimdVector<TVec>
    {
        nuint n = (nuint)TVec.Count;
        TVec a0 = TVec.Zero, a1 = TVec.Zero, a2 = TVec.Zero, a3 = TVec.Zero;
        for (int j = 0; j < weights.Length; j++)
        {
            // Padding weights are exactly zero (exp(finfo.min − max) underflows); skipping them changes nothing.
            if (keyMask[j] != 0)
            {
                var w = TVec.Create(weights[j]);
                ref float row = ref Unsafe.Add(ref values, (nint)j * rowLength);
                a0 = TVec.MultiplyAdd(TVec.Load(ref row, 0), w, a0);
                a1 = TVec.MultiplyAdd(TVec.Load(ref row, n), w, a1);
                a2 = TVec.MultiplyAdd(TVec.Load(ref row, 2 * n), w, a2);
                a3 = TVec.MultiplyAdd(TVec.Load(ref row, 3 * n), w, a3);
            }
        }

        TVec.Store(a0, ref output, 0);
        TVec.Store(a1, ref output, n);
        TVec.Store(a2, ref output, 2 * n);
        TVec.Store(a3, ref output, 3 * n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot<TVec>(ref float a, ref float b, int length)
        where TVec : struct, ISimdVector<TVec>
    {
        var sum = TVec.Zero;
        nuint i = 0;
        for (; i + (nuint)TVec.Count <= (nuint)length; i += (nuint)TVec.Count)
        {
            sum = TVec.MultiplyAdd(TVec.Load(ref a, i), TVec.Load(ref b, i), sum);
        }

        float result = TVec.Sum(sum);
        for (; i < (nuint)length; i++)
        {
            result = MathF.FusedMultiplyAdd(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i), result);
        }

        return result;
    }

    // destination += weight · source
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy<TVec>(float weight, ref float source, ref float destination, int length)
        where TVec : struct, ISimdVector<TVec>
    {
        var w = TVec.Create(weight);
        nuint i = 0;
        for (; i + (nuint)TVec.Count <= (nuint)length; i += (nuint)TVec.Count)
        {
            TVec.Store(TVec.MultiplyAdd(TVec.Load(ref source, i), w, TVec.Load(ref destination, i)), ref destination, i);
        }

        for (; i < (nuint)length; i++)
        {
            Unsafe.Add(ref destination, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref source, i), weight, Unsafe.Add(ref destination, i));
        }
    }
}
