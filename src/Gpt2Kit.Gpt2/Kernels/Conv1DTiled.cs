using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary><c>output[r, c] = Σ_k input[r, k] · weight[k, c] + bias[c]</c> over a column range, for many rows (prefill).
/// Register tiles of 4 rows × 4 vectors accumulate over blocks of 256 weight rows, so each weight block is read from
/// memory once and then reused from L2 by every group of four input rows.</summary>
/// <remarks>Stateless; thread-safe. Parallel callers give each thread its own column range.</remarks>
internal static class Conv1DTiled
{
    private const int InnerBlock = 256;

    /// <summary>Computes columns <paramref name="columnStart"/>..<paramref name="columnEnd"/> of the output with the best SIMD width.</summary>
    public static void Compute(ReadOnlySpan<float> input, int rows, int inner, ReadOnlySpan<float> weight, int columns,
        ReadOnlySpan<float> bias, Span<float> output, int columnStart, int columnEnd)
    {
        if (Simd512.IsHardwareAccelerated)
        {
            Compute<Simd512>(input, rows, inner, weight, columns, bias, output, columnStart, columnEnd);
        }
        else if (Simd256.IsHardwareAccelerated)
        {
            Compute<Simd256>(input, rows, inner, weight, columns, bias, output, columnStart, columnEnd);
        }
        else if (Simd128.IsHardwareAccelerated)
        {
            Compute<Simd128>(input, rows, inner, weight, columns, bias, output, columnStart, columnEnd);
        }
        else
        {
            Compute<SimdScalar>(input, rows, inner, weight, columns, bias, output, columnStart, columnEnd);
        }
    }

    /// <summary>Computes columns <paramref name="columnStart"/>..<paramref name="columnEnd"/> of the output with registers of <typeparamref name="TVec"/>.</summary>
    /// <param name="input">Row-major <c>[rows, inner]</c>.</param>
    /// <param name="rows">Input rows.</param>
    /// <param name="inner">Input width (weight rows).</param>
    /// <param name="weight">Row-major <c>[inner, columns]</c>.</param>
    /// <param name="columns">Output width.</param>
    /// <param name="bias"><c>[columns]</c>, or empty for none.</param>
    /// <param name="output">Row-major <c>[rows, columns]</c>; only the column range is written.</param>
    /// <param name="columnStart">First column to compute.</param>
    /// <param name="columnEnd">One past the last column to compute.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute<TVec>(ReadOnlySpan<float> input, int rows, int inner, ReadOnlySpan<float> weight, int columns,
        ReadOnlySpan<float> bias, Span<float> output, int columnStart, int columnEnd)
        where TVec : struct, ISimdVector<TVec>
    {
        KernelArguments.RequireLength(input.Length, (long)rows * inner, nameof(input));
        KernelArguments.RequireLength(weight.Length, (long)inner * columns, nameof(weight));
        KernelArguments.RequireLength(output.Length, (long)rows * columns, nameof(output));
        if (!bias.IsEmpty)
        {
            KernelArguments.RequireLength(bias.Length, columns, nameof(bias));
        }

        KernelArguments.RequireRange(columnStart, columnEnd, columns, nameof(columnStart));
        if (rows == 0 || columnStart == columnEnd)
        {
            return;
        }

        var m = new Operands(
            ref MemoryMarshal.GetReference(input), inner,
            ref MemoryMarshal.GetReference(weight), columns,
            ref MemoryMarshal.GetReference(bias), !bias.IsEmpty,
            ref MemoryMarshal.GetReference(output));

        int c = columnStart;
        for (; c + (4 * TVec.Count) <= columnEnd; c += 4 * TVec.Count)
        {
            for (int kb = 0; kb < Math.Max(inner, 1); kb += InnerBlock)
            {
                int kEnd = Math.Min(kb + InnerBlock, inner);
                int r = 0;
                for (; r + 4 <= rows; r += 4)
                {
                    WideTile<TVec, FourRows>(ref m, r, c, kb, kEnd);
                }

                switch (rows - r)
                {
                    case 1: WideTile<TVec, OneRow>(ref m, r, c, kb, kEnd); break;
                    case 2: WideTile<TVec, TwoRows>(ref m, r, c, kb, kEnd); break;
                    case 3: WideTile<TVec, ThreeRows>(ref m, r, c, kb, kEnd); break;
                }
            }
        }

        for (; c + TVec.Count <= columnEnd; c += TVec.Count)
        {
            NarrowColumn<TVec>(ref m, rows, c);
        }

        for (; c < columnEnd; c++)
        {
            NarrowColumn<SimdScalar>(ref m, rows, c);
        }
    }

    private static void NarrowColumn<TVec>(ref Operands m, int rows, int c)
        where TVec : struct, ISimdVector<TVec>
    {
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            NarrowTile<TVec, FourRows>(ref m, r, c);
        }

        switch (rows - r)
        {
            case 1: NarrowTile<TVec, OneRow>(ref m, r, c); break;
            case 2: NarrowTile<TVec, TwoRows>(ref m, r, c); break;
            case 3: NarrowTile<TVec, ThreeRows>(ref m, r, c); break;
        }
    }

    // Rows r0..r0+TRows of columns c..c+4·Count over weight rows kb..kEnd; the first block starts from the bias,
    // later blocks from the partial sums already in the output.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WideTile<TVec, TRows>(ref Operands m, int r0, int c, int kb, int kEnd)
        where TVec : struct, ISimdVector<TVec>
        where TRows : struct, IRowCount
    {
        nuint n = (nuint)m.Columns;
        nuint s = (nuint)TVec.Count;
        ref float y = ref m.Output;
        nuint y0 = ((nuint)r0 * n) + (nuint)c, y1 = y0 + n, y2 = y1 + n, y3 = y2 + n;
        TVec a00, a01, a02, a03, a10 = default, a11 = default, a12 = default, a13 = default;
        TVec a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
        if (kb == 0)
        {
            TVec b0 = TVec.Zero, b1 = TVec.Zero, b2 = TVec.Zero, b3 = TVec.Zero;
            if (m.HasBias)
            {
                b0 = TVec.Load(ref m.Bias, (nuint)c);
                b1 = TVec.Load(ref m.Bias, (nuint)c + s);
                b2 = TVec.Load(ref m.Bias, (nuint)c + (2 * s));
                b3 = TVec.Load(ref m.Bias, (nuint)c + (3 * s));
            }

            a00 = b0; a01 = b1; a02 = b2; a03 = b3;
            if (TRows.Value > 1) { a10 = b0; a11 = b1; a12 = b2; a13 = b3; }
            if (TRows.Value > 2) { a20 = b0; a21 = b1; a22 = b2; a23 = b3; }
            if (TRows.Value > 3) { a30 = b0; a31 = b1; a32 = b2; a33 = b3; }
        }
        else
        {
            a00 = TVec.Load(ref y, y0); a01 = TVec.Load(ref y, y0 + s); a02 = TVec.Load(ref y, y0 + (2 * s)); a03 = TVec.Load(ref y, y0 + (3 * s));
            if (TRows.Value > 1) { a10 = TVec.Load(ref y, y1); a11 = TVec.Load(ref y, y1 + s); a12 = TVec.Load(ref y, y1 + (2 * s)); a13 = TVec.Load(ref y, y1 + (3 * s)); }
            if (TRows.Value > 2) { a20 = TVec.Load(ref y, y2); a21 = TVec.Load(ref y, y2 + s); a22 = TVec.Load(ref y, y2 + (2 * s)); a23 = TVec.Load(ref y, y2 + (3 * s)); }
            if (TRows.Value > 3) { a30 = TVec.Load(ref y, y3); a31 = TVec.Load(ref y, y3 + s); a32 = TVec.Load(ref y, y3 + (2 * s)); a33 = TVec.Load(ref y, y3 + (3 * s)); }
        }

        nuint inner = (nuint)m.Inner;
        ref float x0 = ref Unsafe.Add(ref m.Input, (nuint)r0 * inner);
        ref float x1 = ref Unsafe.Add(ref x0, inner);
        ref float x2 = ref Unsafe.Add(ref x1, inner);
        ref float x3 = ref Unsafe.Add(ref x2, inner);
        for (int k = kb; k < kEnd; k++)
        {
            nuint wo = ((nuint)k * n) + (nuint)c;
            var w0 = TVec.Load(ref m.Weight, wo);
            var w1 = TVec.Load(ref m.Weight, wo + s);
            var w2 = TVec.Load(ref m.Weight, wo + (2 * s));
            var w3 = TVec.Load(ref m.Weight, wo + (3 * s));
            var v = TVec.Create(Unsafe.Add(ref x0, k));
            a00 = TVec.MultiplyAdd(w0, v, a00); a01 = TVec.MultiplyAdd(w1, v, a01); a02 = TVec.MultiplyAdd(w2, v, a02); a03 = TVec.MultiplyAdd(w3, v, a03);
            if (TRows.Value > 1)
            {
                v = TVec.Create(Unsafe.Add(ref x1, k));
                a10 = TVec.MultiplyAdd(w0, v, a10); a11 = TVec.MultiplyAdd(w1, v, a11); a12 = TVec.MultiplyAdd(w2, v, a12); a13 = TVec.MultiplyAdd(w3, v, a13);
            }

            if (TRows.Value > 2)
            {
                v = TVec.Create(Unsafe.Add(ref x2, k));
                a20 = TVec.MultiplyAdd(w0, v, a20); a21 = TVec.MultiplyAdd(w1, v, a21); a22 = TVec.MultiplyAdd(w2, v, a22); a23 = TVec.MultiplyAdd(w3, v, a23);
            }

            if (TRows.Value > 3)
            {
                v = TVec.Create(Unsafe.Add(ref x3, k));
                a30 = TVec.MultiplyAdd(w0, v, a30); a31 = TVec.MultiplyAdd(w1, v, a31); a32 = TVec.MultiplyAdd(w2, v, a32); a33 = TVec.MultiplyAdd(w3, v, a33);
            }
        }

        TVec.Store(a00, ref y, y0); TVec.Store(a01, ref y, y0 + s); TVec.Store(a02, ref y, y0 + (2 * s)); TVec.Store(a03, ref y, y0 + (3 * s));
        if (TRows.Value > 1) { TVec.Store(a10, ref y, y1); TVec.Store(a11, ref y, y1 + s); TVec.Store(a12, ref y, y1 + (2 * s)); TVec.Store(a13, ref y, y1 + (3 * s)); }
        if (TRows.Value > 2) { TVec.Store(a20, ref y, y2); TVec.Store(a21, ref y, y2 + s); TVec.Store(a22, ref y, y2 + (2 * s)); TVec.Store(a23, ref y, y2 + (3 * s)); }
        if (TRows.Value > 3) { TVec.Store(a30, ref y, y3); TVec.Store(a31, ref y, y3 + s); TVec.Store(a32, ref y, y3 + (2 * s)); TVec.Store(a33, ref y, y3 + (3 * s)); }
    }

    // Rows r0..r0+TRows of the one-register column block at c, over the whole inner dimension.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NarrowTile<TVec, TRows>(ref Operands m, int r0, int c)
        where TVec : struct, ISimdVector<TVec>
        where TRows : struct, IRowCount
    {
        nuint n = (nuint)m.Columns;
        var b = m.HasBias ? TVec.Load(ref m.Bias, (nuint)c) : TVec.Zero;
        TVec a0 = b, a1 = b, a2 = b, a3 = b;
        nuint inner = (nuint)m.Inner;
        ref float x0 = ref Unsafe.Add(ref m.Input, (nuint)r0 * inner);
        ref float x1 = ref Unsafe.Add(ref x0, inner);
        ref float x2 = ref Unsafe.Add(ref x1, inner);
        ref float x3 = ref Unsafe.Add(ref x2, inner);
        for (int k = 0; k < m.Inner; k++)
        {
            var w = TVec.Load(ref m.Weight, ((nuint)k * n) + (nuint)c);
            a0 = TVec.MultiplyAdd(w, TVec.Create(Unsafe.Add(ref x0, k)), a0);
            if (TRows.Value > 1) { a1 = TVec.MultiplyAdd(w, TVec.Create(Unsafe.Add(ref x1, k)), a1); }
            if (TRows.Value > 2) { a2 = TVec.MultiplyAdd(w, TVec.Create(Unsafe.Add(ref x2, k)), a2); }
            if (TRows.Value > 3) { a3 = TVec.MultiplyAdd(w, TVec.Create(Unsafe.Add(ref x3, k)), a3); }
        }

        nuint y0 = ((nuint)r0 * n) + (nuint)c;
        TVec.Store(a0, ref m.Output, y0);
        if (TRows.Value > 1) { TVec.Store(a1, ref m.Output, y0 + n); }
        if (TRows.Value > 2) { TVec.Store(a2, ref m.Output, y0 + (2 * n)); }
        if (TRows.Value > 3) { TVec.Store(a3, ref m.Output, y0 + (3 * n)); }
    }

    /// <summary>The operands as refs, passed by reference so the micro-kernels take one argument instead of eight.</summary>
    private ref struct Operands
    {
        public ref float Input;
        public int Inner;
        public ref float Weight;
        public int Columns;
        public ref float Bias;
        public bool HasBias;
        public ref float Output;

        public Operands(ref float input, int inner, ref float weight, int columns, ref float bias, bool hasBias, ref float output)
        {
            Input = ref input;
            Inner = inner;
            Weight = ref weight;
            Columns = columns;
            Bias = ref bias;
            HasBias = hasBias;
            Output = ref output;
        }
    }
}
