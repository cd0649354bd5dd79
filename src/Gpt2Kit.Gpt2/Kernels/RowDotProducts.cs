using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary><c>output[r, v] = Σ_d input[r, d] · weight[v, d]</c> over a range of weight rows: the tied output layer,
/// whose weight is the embedding <c>[vocab, width]</c>. Weight rows are read one after another (one sequential stream)
/// against up to four input rows at once, in blocks of 64 weight rows that stay in L2 while further groups of input
/// rows use them.</summary>
/// <remarks>Stateless; thread-safe. Parallel callers give each thread its own range of weight rows.</remarks>
internal static class RowDotProducts
{
    private const int WeightBlock = 64;

    /// <summary>How far ahead of the reads the weight stream is requested, in bytes.</summary>
    private const int PrefetchBytes = 4096;

    /// <summary>Computes the weight rows <paramref name="weightStart"/>..<paramref name="weightEnd"/>.</summary>
    /// <param name="input">Row-major <c>[rows, width]</c>, width being the weight's row length.</param>
    /// <param name="rows">Input rows.</param>
    /// <param name="weight"><c>[weightRows, width]</c>.</param>
    /// <param name="output">Row-major <c>[rows, weightRows]</c>; only the range's columns are written.</param>
    /// <param name="weightStart">First weight row.</param>
    /// <param name="weightEnd">One past the last weight row.</param>
    /// <param name="simdWidth">The register width (<see cref="SimdWidth.Auto"/>: the best here).</param>
    public static void Compute(ReadOnlySpan<float> input, int rows, WeightSpan weight, Span<float> output, int weightStart, int weightEnd,
        SimdWidth simdWidth = SimdWidth.Auto)
    {
        KernelArguments.RequireLength(input.Length, (long)rows * weight.Columns, nameof(input));
        KernelArguments.RequireLength(output.Length, (long)rows * weight.Rows, nameof(output));
        KernelArguments.RequireRange(weightStart, weightEnd, weight.Rows, nameof(weightStart));
        if (weight.Interleaved)
        {
            // Each weight row is read whole, as one run: the embedding is never stored interleaved.
            throw new ArgumentException("the output layer reads row-major weights; this matrix is interleaved.", nameof(weight));
        }

        SimdDispatch.Run(new Kernel(input, rows, weight, output, weightStart, weightEnd), weight, simdWidth);
    }

    private readonly ref struct Kernel(ReadOnlySpan<float> input, int rows, WeightSpan weight, Span<float> output, int weightStart, int weightEnd)
        : IWeightKernel
    {
        private readonly ReadOnlySpan<float> _input = input;
        private readonly WeightSpan _weight = weight;
        private readonly Span<float> _output = output;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run<TFormat, TVec>()
            where TFormat : struct, IWeightFormat
            where TVec : struct, ISimdVector<TVec>
        {
            var m = new Operands(ref MemoryMarshal.GetReference(_input), _weight.Columns, ref _weight.DataReference, ref _weight.ScalesReference,
                _weight.Rows, ref MemoryMarshal.GetReference(_output));
            for (int blockStart = weightStart; blockStart < weightEnd; blockStart += WeightBlock)
            {
                int blockEnd = Math.Min(blockStart + WeightBlock, weightEnd);
                int r = 0;
                for (; r + 4 <= rows; r += 4)
                {
                    Block<TFormat, TVec, FourRows>(ref m, r, blockStart, blockEnd);
                }

                switch (rows - r)
                {
                    case 1: Block<TFormat, TVec, OneRow>(ref m, r, blockStart, blockEnd); break;
                    case 2: Block<TFormat, TVec, TwoRows>(ref m, r, blockStart, blockEnd); break;
                    case 3: Block<TFormat, TVec, ThreeRows>(ref m, r, blockStart, blockEnd); break;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TFormat, TVec, TRows>(ref Operands m, int r0, int start, int end)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
        where TRows : struct, IRowCount
    {
        for (int v = start; v < end; v++)
        {
            if (TFormat.HasBlockScales)
            {
                ScaledWeightRow<TFormat, TVec, TRows>(ref m, r0, v);
            }
            else
            {
                WeightRow<TFormat, TVec, TRows>(ref m, r0, v);
            }
        }
    }

    // One weight row against TRows input rows. The weight is read as one sequential stream (what the prefetchers
    // serve best); each input row keeps two accumulators (even and odd registers) so the adds overlap.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WeightRow<TFormat, TVec, TRows>(ref Operands m, int r0, int v)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
        where TRows : struct, IRowCount
    {
        nuint d = (nuint)m.Width;
        nuint s = (nuint)TVec.Count;
        nuint w = (nuint)v * d;
        ref float x0 = ref Unsafe.Add(ref m.Input, (nuint)r0 * d);
        ref float x1 = ref Unsafe.Add(ref x0, d);
        ref float x2 = ref Unsafe.Add(ref x1, d);
        ref float x3 = ref Unsafe.Add(ref x2, d);
        TVec a0 = TVec.Zero, b0 = TVec.Zero, a1 = TVec.Zero, b1 = TVec.Zero, a2 = TVec.Zero, b2 = TVec.Zero, a3 = TVec.Zero, b3 = TVec.Zero;
        nuint i = 0;
        for (; i + (2 * s) <= d; i += 2 * s)
        {
            Prefetch<TFormat>(ref m.Weight, w + i);
            var w0 = TFormat.Load<TVec>(ref m.Weight, ref m.Scales, w + i);
            var w1 = TFormat.Load<TVec>(ref m.Weight, ref m.Scales, w + i + s);
            a0 = TVec.MultiplyAdd(w0, TVec.Load(ref x0, i), a0);
            b0 = TVec.MultiplyAdd(w1, TVec.Load(ref x0, i + s), b0);
            if (TRows.Value > 1)
            {
                a1 = TVec.MultiplyAdd(w0, TVec.Load(ref x1, i), a1);
                b1 = TVec.MultiplyAdd(w1, TVec.Load(ref x1, i + s), b1);
            }

            if (TRows.Value > 2)
            {
                a2 = TVec.MultiplyAdd(w0, TVec.Load(ref x2, i), a2);
                b2 = TVec.MultiplyAdd(w1, TVec.Load(ref x2, i + s), b2);
            }

            if (TRows.Value > 3)
            {
                a3 = TVec.MultiplyAdd(w0, TVec.Load(ref x3, i), a3);
                b3 = TVec.MultiplyAdd(w1, TVec.Load(ref x3, i + s), b3);
            }
        }

        if (i + s <= d)
        {
            var w0 = TFormat.Load<TVec>(ref m.Weight, ref m.Scales, w + i);
            a0 = TVec.MultiplyAdd(w0, TVec.Load(ref x0, i), a0);
            if (TRows.Value > 1) { a1 = TVec.MultiplyAdd(w0, TVec.Load(ref x1, i), a1); }
            if (TRows.Value > 2) { a2 = TVec.MultiplyAdd(w0, TVec.Load(ref x2, i), a2); }
            if (TRows.Value > 3) { a3 = TVec.MultiplyAdd(w0, TVec.Load(ref x3, i), a3); }
            i += s;
        }

        nuint stride = (nuint)m.WeightRows;
        ref float y = ref Unsafe.Add(ref m.Output, ((nuint)r0 * stride) + (nuint)v);
        y = Finish(TVec.Add(a0, b0), ref m, w, ref x0, i, d);
        if (TRows.Value > 1) { Unsafe.Add(ref y, stride) = Finish(TVec.Add(a1, b1), ref m, w, ref x1, i, d); }
        if (TRows.Value > 2) { Unsafe.Add(ref y, 2 * stride) = Finish(TVec.Add(a2, b2), ref m, w, ref x2, i, d); }
        if (TRows.Value > 3) { Unsafe.Add(ref y, 3 * stride) = Finish(TVec.Add(a3, b3), ref m, w, ref x3, i, d); }

        // The register's lanes plus the scalar tail i..d.
        static float Finish(TVec sum, ref Operands m, nuint w, ref float x, nuint i, nuint d)
        {
            float result = TVec.Sum(sum);
            for (; i < d; i++)
            {
                result = MathF.FusedMultiplyAdd(TFormat.Get(ref m.Weight, ref m.Scales, w + i), Unsafe.Add(ref x, i), result);
            }

            return result;
        }
    }

    // One weight row of a block format (rows a multiple of 32 long) against TRows input rows: each block's products are
    // summed unscaled, then the sum is scaled once, so the scale costs one multiply per 32 weights instead of one per register.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaledWeightRow<TFormat, TVec, TRows>(ref Operands m, int r0, int v)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
        where TRows : struct, IRowCount
    {
        nuint d = (nuint)m.Width;
        nuint w = (nuint)v * d;
        ref float x0 = ref Unsafe.Add(ref m.Input, (nuint)r0 * d);
        ref float x1 = ref Unsafe.Add(ref x0, d);
        ref float x2 = ref Unsafe.Add(ref x1, d);
        ref float x3 = ref Unsafe.Add(ref x2, d);
        TVec a0 = TVec.Zero, a1 = TVec.Zero, a2 = TVec.Zero, a3 = TVec.Zero;
        for (nuint block = 0; block < d; block += Q8Weights.BlockSize)
        {
            Prefetch<TFormat>(ref m.Weight, w + block);

            // Two chains per row (even and odd registers), so the block's adds do not wait on each other.
            TVec p0 = TVec.Zero, p1 = TVec.Zero, p2 = TVec.Zero, p3 = TVec.Zero;
            TVec q0 = TVec.Zero, q1 = TVec.Zero, q2 = TVec.Zero, q3 = TVec.Zero;
            nuint n = (nuint)TVec.Count;
            for (nuint i = block; i < block + Q8Weights.BlockSize; i += 2 * n)
            {
                var even = TFormat.LoadUnscaled<TVec>(ref m.Weight, w + i);
                var odd = TFormat.LoadUnscaled<TVec>(ref m.Weight, w + i + n);
                p0 = TVec.MultiplyAdd(even, TVec.Load(ref x0, i), p0);
                q0 = TVec.MultiplyAdd(odd, TVec.Load(ref x0, i + n), q0);
                if (TRows.Value > 1) { p1 = TVec.MultiplyAdd(even, TVec.Load(ref x1, i), p1); q1 = TVec.MultiplyAdd(odd, TVec.Load(ref x1, i + n), q1); }
                if (TRows.Value > 2) { p2 = TVec.MultiplyAdd(even, TVec.Load(ref x2, i), p2); q2 = TVec.MultiplyAdd(odd, TVec.Load(ref x2, i + n), q2); }
                if (TRows.Value > 3) { p3 = TVec.MultiplyAdd(even, TVec.Load(ref x3, i), p3); q3 = TVec.MultiplyAdd(odd, TVec.Load(ref x3, i + n), q3); }
            }

            var scale = TVec.Create(TFormat.Scale(ref m.Scales, w + block));
            a0 = TVec.MultiplyAdd(TVec.Add(p0, q0), scale, a0);
            if (TRows.Value > 1) { a1 = TVec.MultiplyAdd(TVec.Add(p1, q1), scale, a1); }
            if (TRows.Value > 2) { a2 = TVec.MultiplyAdd(TVec.Add(p2, q2), scale, a2); }
            if (TRows.Value > 3) { a3 = TVec.MultiplyAdd(TVec.Add(p3, q3), scale, a3); }
        }

        nuint stride = (nuint)m.WeightRows;
        ref float y = ref Unsafe.Add(ref m.Output, ((nuint)r0 * stride) + (nuint)v);
        y = TVec.Sum(a0);
        if (TRows.Value > 1) { Unsafe.Add(ref y, stride) = TVec.Sum(a1); }
        if (TRows.Value > 2) { Unsafe.Add(ref y, 2 * stride) = TVec.Sum(a2); }
        if (TRows.Value > 3) { Unsafe.Add(ref y, 3 * stride) = TVec.Sum(a3); }
    }

    // Requests the weight bytes PrefetchBytes past element `index` (the rows are read in order, so that is a few rows on):
    // the hardware prefetchers alone left this loop at 60–70 % of the bandwidth the layers' kernel reaches.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch<TFormat>(ref byte weight, nuint index)
        where TFormat : struct, IWeightFormat
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0((byte*)Unsafe.AsPointer(ref Unsafe.Add(ref weight, index * (nuint)TFormat.ElementSize)) + PrefetchBytes);
        }
    }

    private ref struct Operands
    {
        public ref float Input;
        public int Width;
        public ref byte Weight;
        public ref float Scales;
        public int WeightRows;
        public ref float Output;

        public Operands(ref float input, int width, ref byte weight, ref float scales, int weightRows, ref float output)
        {
            Input = ref input;
            Width = width;
            Weight = ref weight;
            Scales = ref scales;
            WeightRows = weightRows;
            Output = ref output;
        }
    }
}
