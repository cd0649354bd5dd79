using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary><c>output[r, v] = Σ_d input[r, d] · weight[v, d]</c> over a range of weight rows: the tied output layer,
/// whose weight is the embedding <c>[vocab, width]</c>. Each weight row is read once per group of four input rows, in
/// blocks of 64 weight rows that stay in L2 while every group uses them.</summary>
/// <remarks>Stateless; thread-safe. Parallel callers give each thread its own range of weight rows.</remarks>
internal static class RowDotProducts
{
    private const int WeightBlock = 64;

    /// <summary>Computes the weight rows <paramref name="weightStart"/>..<paramref name="weightEnd"/> with the best SIMD width.</summary>
    public static void Compute(ReadOnlySpan<float> input, int rows, int width, ReadOnlySpan<float> weight, int weightRows,
        Span<float> output, int weightStart, int weightEnd)
    {
        if (Simd512.IsHardwareAccelerated)
        {
            Compute<Simd512>(input, rows, width, weight, weightRows, output, weightStart, weightEnd);
        }
        else if (Simd256.IsHardwareAccelerated)
        {
            Compute<Simd256>(input, rows, width, weight, weightRows, output, weightStart, weightEnd);
        }
        else if (Simd128.IsHardwareAccelerated)
        {
            Compute<Simd128>(input, rows, width, weight, weightRows, output, weightStart, weightEnd);
        }
        else
        {
            Compute<SimdScalar>(input, rows, width, weight, weightRows, output, weightStart, weightEnd);
        }
    }

    /// <summary>Computes the weight rows <paramref name="weightStart"/>..<paramref name="weightEnd"/> with registers of <typeparamref name="TVec"/>.</summary>
    /// <param name="input">Row-major <c>[rows, width]</c>.</param>
    /// <param name="rows">Input rows.</param>
    /// <param name="width">Shared inner width.</param>
    /// <param name="weight">Row-major <c>[weightRows, width]</c>.</param>
    /// <param name="weightRows">Number of weight rows (the output width).</param>
    /// <param name="output">Row-major <c>[rows, weightRows]</c>; only the range's columns are written.</param>
    /// <param name="weightStart">First weight row.</param>
    /// <param name="weightEnd">One past the last weight row.</param>
    public static void Compute<TVec>(ReadOnlySpan<float> input, int rows, int width, ReadOnlySpan<float> weight, int weightRows,
        Span<float> output, int weightStart, int weightEnd)
        where TVec : struct, ISimdVector<TVec>
    {
        KernelArguments.RequireLength(input.Length, (long)rows * width, nameof(input));
        KernelArguments.RequireLength(weight.Length, (long)weightRows * width, nameof(weight));
        KernelArguments.RequireLength(output.Length, (long)rows * weightRows, nameof(output));
        KernelArguments.RequireRange(weightStart, weightEnd, weightRows, nameof(weightStart));

        var m = new Operands(ref MemoryMarshal.GetReference(input), width, ref MemoryMarshal.GetReference(weight), weightRows, ref MemoryMarshal.GetReference(output));
        for (int blockStart = weightStart; blockStart < weightEnd; blockStart += WeightBlock)
        {
            int blockEnd = Math.Min(blockStart + WeightBlock, weightEnd);
            int r = 0;
            for (; r + 4 <= rows; r += 4)
            {
                Block<TVec, FourRows>(ref m, r, blockStart, blockEnd);
            }

            switch (rows - r)
            {
                case 1: Block<TVec, OneRow>(ref m, r, blockStart, blockEnd); break;
                case 2: Block<TVec, TwoRows>(ref m, r, blockStart, blockEnd); break;
                case 3: Block<TVec, ThreeRows>(ref m, r, blockStart, blockEnd); break;
            }
        }
    }

    private static void Block<TVec, TRows>(ref Operands m, int r0, int start, int end)
        where TVec : struct, ISimdVector<TVec>
        where TRows : struct, IRowCount
    {
        int v = start;
        for (; v + 4 <= end; v += 4)
        {
            FourWeightRows<TVec, TRows>(ref m, r0, v);
        }

        for (; v < end; v++)
        {
            OneWeightRow<TVec, TRows>(ref m, r0, v);
        }
    }

    private static void FourWeightRows<TVec, TRows>(ref Operands m, int r0, int v)
        where TVec : struct, ISimdVector<TVec>
        where TRows : struct, IRowCount
    {
        nuint d = (nuint)m.Width;
        ref float w0 = ref Unsafe.Add(ref m.Weight, (nuint)v * d);
        ref float w1 = ref Unsafe.Add(ref w0, d);
        ref float w2 = ref Unsafe.Add(ref w1, d);
        ref float w3 = ref Unsafe.Add(ref w2, d);
        ref float x0 = ref Unsafe.Add(ref m.Input, (nuint)r0 * d);
        ref float x1 = ref Unsafe.Add(ref x0, d);
        ref float x2 = ref Unsafe.Add(ref x1, d);
        ref float x3 = ref Unsafe.Add(ref x2, d);
        TVec a00 = TVec.Zero, a01 = TVec.Zero, a02 = TVec.Zero, a03 = TVec.Zero, a10 = TVec.Zero, a11 = TVec.Zero, a12 = TVec.Zero, a13 = TVec.Zero;
        TVec a20 = TVec.Zero, a21 = TVec.Zero, a22 = TVec.Zero, a23 = TVec.Zero, a30 = TVec.Zero, a31 = TVec.Zero, a32 = TVec.Zero, a33 = TVec.Zero;
        nuint i = 0;
        for (; i + (nuint)TVec.Count <= d; i += (nuint)TVec.Count)
        {
            var b0 = TVec.Load(ref w0, i);
            var b1 = TVec.Load(ref w1, i);
            var b2 = TVec.Load(ref w2, i);
            var b3 = TVec.Load(ref w3, i);
            var x = TVec.Load(ref x0, i);
            a00 = TVec.MultiplyAdd(b0, x, a00); a01 = TVec.MultiplyAdd(b1, x, a01); a02 = TVec.MultiplyAdd(b2, x, a02); a03 = TVec.MultiplyAdd(b3, x, a03);
            if (TRows.Value > 1)
            {
                x = TVec.Load(ref x1, i);
                a10 = TVec.MultiplyAdd(b0, x, a10); a11 = TVec.MultiplyAdd(b1, x, a11); a12 = TVec.MultiplyAdd(b2, x, a12); a13 = TVec.MultiplyAdd(b3, x, a13);
            }

            if (TRows.Value > 2)
            {
                x = TVec.Load(ref x2, i);
                a20 = TVec.MultiplyAdd(b0, x, a20); a21 = TVec.MultiplyAdd(b1, x, a21); a22 = TVec.MultiplyAdd(b2, x, a22); a23 = TVec.MultiplyAdd(b3, x, a23);
            }

            if (TRows.Value > 3)
            {
                x = TVec.Load(ref x3, i);
                a30 = TVec.MultiplyAdd(b0, x, a30); a31 = TVec.MultiplyAdd(b1, x, a31); a32 = TVec.MultiplyAdd(b2, x, a32); a33 = TVec.MultiplyAdd(b3, x, a33);
            }
        }

        ref float y = ref Unsafe.Add(ref m.Output, ((nuint)r0 * (nuint)m.WeightRows) + (nuint)v);
        nuint stride = (nuint)m.WeightRows;
        Finish(ref y, a00, a01, a02, a03, ref w0, ref w1, ref w2, ref w3, ref x0, i, d);
        if (TRows.Value > 1) { Finish(ref Unsafe.Add(ref y, stride), a10, a11, a12, a13, ref w0, ref w1, ref w2, ref w3, ref x1, i, d); }
        if (TRows.Value > 2) { Finish(ref Unsafe.Add(ref y, 2 * stride), a20, a21, a22, a23, ref w0, ref w1, ref w2, ref w3, ref x2, i, d); }
        if (TRows.Value > 3) { Finish(ref Unsafe.Add(ref y, 3 * stride), a30, a31, a32, a33, ref w0, ref w1, ref w2, ref w3, ref x3, i, d); }

        // Sums the registers and the scalar tail i..d of one input row against the four weight rows.
        static void Finish(ref float y, TVec a0, TVec a1, TVec a2, TVec a3, ref float w0, ref float w1, ref float w2, ref float w3, ref float x, nuint i, nuint d)
        {
            float s0 = TVec.Sum(a0), s1 = TVec.Sum(a1), s2 = TVec.Sum(a2), s3 = TVec.Sum(a3);
            for (; i < d; i++)
            {
                float xi = Unsafe.Add(ref x, i);
                s0 = MathF.FusedMultiplyAdd(Unsafe.Add(ref w0, i), xi, s0);
                s1 = MathF.FusedMultiplyAdd(Unsafe.Add(ref w1, i), xi, s1);
                s2 = MathF.FusedMultiplyAdd(Unsafe.Add(ref w2, i), xi, s2);
                s3 = MathF.FusedMultiplyAdd(Unsafe.Add(ref w3, i), xi, s3);
            }

            y = s0;
            Unsafe.Add(ref y, 1) = s1;
            Unsafe.Add(ref y, 2) = s2;
            Unsafe.Add(ref y, 3) = s3;
        }
    }

    private static void OneWeightRow<TVec, TRows>(ref Operands m, int r0, int v)
        where TVec : struct, ISimdVector<TVec>
        where TRows : struct, IRowCount
    {
        nuint d = (nuint)m.Width;
        ref float w = ref Unsafe.Add(ref m.Weight, (nuint)v * d);
        ref float y = ref Unsafe.Add(ref m.Output, ((nuint)r0 * (nuint)m.WeightRows) + (nuint)v);
        for (int r = 0; r < TRows.Value; r++)
        {
            ref float x = ref Unsafe.Add(ref m.Input, (nuint)(r0 + r) * d);
            var a = TVec.Zero;
            nuint i = 0;
            for (; i + (nuint)TVec.Count <= d; i += (nuint)TVec.Count)
            {
                a = TVec.MultiplyAdd(TVec.Load(ref w, i), TVec.Load(ref x, i), a);
            }

            float s = TVec.Sum(a);
            for (; i < d; i++)
            {
                s = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, i), Unsafe.Add(ref x, i), s);
            }

            Unsafe.Add(ref y, (nuint)r * (nuint)m.WeightRows) = s;
        }
    }

    private ref struct Operands
    {
        public ref float Input;
        public int Width;
        public ref float Weight;
        public int WeightRows;
        public ref float Output;

        public Operands(ref float input, int width, ref float weight, int weightRows, ref float output)
        {
            Input = ref input;
            Width = width;
            Weight = ref weight;
            WeightRows = weightRows;
            Output = ref output;
        }
    }
}
