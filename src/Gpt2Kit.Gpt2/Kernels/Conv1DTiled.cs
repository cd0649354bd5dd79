using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary><c>output[r, c] = Σ_k input[r, k] · weight[k, c] + bias[c]</c> over a column range, for many rows (prefill and
/// batched steps): a cache-blocked matrix product. Register tiles of 6 rows × 2 registers (12 accumulators, 2 weight
/// registers and a broadcast: 15 of AVX2's 16 registers) accumulate over blocks of 256 weight rows. With more than one
/// tile of rows, each block of a 64-column group is first copied (widened) into contiguous fp32 panels that stay in
/// L1/L2 while blocks of 48 input rows use them, so each weight is read from memory and converted once per call.</summary>
/// <remarks>Stateless; thread-safe. Parallel callers give each thread its own column range.</remarks>
// The 64 KiB panel is written before it is read: no need to zero it on every call.
[SkipLocalsInit]
internal static class Conv1DTiled
{
    private const int InnerBlock = 256;

    /// <summary>Columns widened into panels at a time: 256 weight rows × 64 columns of fp32 are 64 KiB (on the stack).</summary>
    private const int PanelColumns = 64;

    /// <summary>Input rows (8 groups of 6) that run over a panel group while their 256-value slices stay in L2 (48 KiB).</summary>
    private const int RowBlock = 48;

    /// <summary>Computes columns <paramref name="columnStart"/>..<paramref name="columnEnd"/> of the output.</summary>
    /// <param name="input">Row-major <c>[rows, inner]</c>, inner being the weight's row count.</param>
    /// <param name="rows">Input rows.</param>
    /// <param name="weight"><c>[inner, columns]</c>.</param>
    /// <param name="bias"><c>[columns]</c>, or empty for none.</param>
    /// <param name="output">Row-major <c>[rows, columns]</c>; only the column range is written.</param>
    /// <param name="columnStart">First column to compute (for Q8 weights the start of a block).</param>
    /// <param name="columnEnd">One past the last column to compute.</param>
    /// <param name="width">The register width (<see cref="SimdWidth.Auto"/>: the best here).</param>
    public static void Compute(ReadOnlySpan<float> input, int rows, WeightSpan weight, ReadOnlySpan<float> bias, Span<float> output,
        int columnStart, int columnEnd, SimdWidth width = SimdWidth.Auto)
    {
        KernelArguments.RequireConv1D(input, rows, weight, bias, output, columnStart, columnEnd);
        if (rows == 0 || columnStart == columnEnd)
        {
            return;
        }

        SimdDispatch.Run(new Kernel(input, rows, weight, bias, output, columnStart, columnEnd), weight, width);
    }

    private readonly ref struct Kernel(ReadOnlySpan<float> input, int rows, WeightSpan weight, ReadOnlySpan<float> bias, Span<float> output,
        int columnStart, int columnEnd) : IWeightKernel
    {
        private readonly ReadOnlySpan<float> _input = input;
        private readonly WeightSpan _weight = weight;
        private readonly ReadOnlySpan<float> _bias = bias;
        private readonly Span<float> _output = output;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run<TFormat, TVec>()
            where TFormat : struct, IWeightFormat
            where TVec : struct, ISimdVector<TVec>
        {
            int inner = _weight.Rows;
            scoped var m = new Operands(
                ref MemoryMarshal.GetReference(_input), inner,
                ref _weight.DataReference, ref _weight.ScalesReference, _weight.Columns,
                ref MemoryMarshal.GetReference(_bias), !_bias.IsEmpty,
                ref MemoryMarshal.GetReference(_output));

            int strip = 2 * TVec.Count;
            int stripsEnd = columnStart + ((columnEnd - columnStart) / strip * strip);
            // Interleaved rows are not a constant stride apart, so they are always read through a panel.
            if (rows > 6 || TFormat.IsInterleaved)
            {
                Panels<TFormat, TVec>(ref m, rows, columnStart, stripsEnd, stackalloc float[InnerBlock * PanelColumns]);
            }
            else
            {
                // One row group: each weight is used once, so it is read where it lies.
                for (int c = columnStart; c < stripsEnd; c += strip)
                {
                    for (int kb = 0; kb < Math.Max(inner, 1); kb += InnerBlock)
                    {
                        var p = new Panel(ref m.Weight, ref m.Scales, ((nuint)kb * (nuint)m.Columns) + (nuint)c, (nuint)m.Columns);
                        RowGroups<TFormat, TVec>(ref m, ref p, 0, rows, c, kb, Math.Min(kb + InnerBlock, inner));
                    }
                }
            }

            int tail = stripsEnd;
            for (; tail + TVec.Count <= columnEnd; tail += TVec.Count)
            {
                Column<TFormat, TVec>(ref m, rows, tail);
            }

            for (; tail < columnEnd; tail++)
            {
                Column<TFormat, SimdScalar>(ref m, rows, tail);
            }
        }
    }

    // Columns start..end (whole strips of two registers), many rows: per group of PanelColumns columns and block of
    // InnerBlock weight rows, the strips are copied (widened) into contiguous fp32 panels, then every block of RowBlock
    // input rows runs over all of them. A strip of the matrix itself is a column walk with a stride of whole rows, whose
    // cache lines all fall in the same few L1 sets; the panel is sequential. The input block stays in L2 while the panels
    // take turns. Every output still sums its weight rows in ascending order, block after block.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Panels<TFormat, TVec>(scoped ref Operands m, int rows, int start, int end, Span<float> panels)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        int strip = 2 * TVec.Count;
        ref byte panelBytes = ref Unsafe.As<float, byte>(ref MemoryMarshal.GetReference(panels));
        for (int group = start; group < end; group += PanelColumns)
        {
            int groupEnd = Math.Min(group + PanelColumns, end);
            for (int kb = 0; kb < Math.Max(m.Inner, 1); kb += InnerBlock)
            {
                int kEnd = Math.Min(kb + InnerBlock, m.Inner);
                WeightPanel.WidenStrips<TFormat, TVec>(ref m.Weight, ref m.Scales, kb, group, (nuint)m.Columns,
                    kEnd - kb, (groupEnd - group) / strip, ref MemoryMarshal.GetReference(panels), (nuint)(InnerBlock * strip));

                for (int rowStart = 0; rowStart < rows; rowStart += RowBlock)
                {
                    int rowEnd = Math.Min(rowStart + RowBlock, rows);
                    for (int c = group; c < groupEnd; c += strip)
                    {
                        var p = new Panel(ref Unsafe.Add(ref panelBytes, (nint)(c - group) * InnerBlock * sizeof(float)), ref m.Scales, 0, (nuint)strip);
                        RowGroups<F32Weights, TVec>(ref m, ref p, rowStart, rowEnd, c, kb, kEnd);
                    }
                }
            }
        }
    }

    private static void RowGroups<TFormat, TVec>(scoped ref Operands m, scoped ref Panel p, int rowStart, int rowEnd, int c, int kb, int kEnd)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        int r = rowStart;
        for (; r + 6 <= rowEnd; r += 6)
        {
            Tile<TFormat, TVec, SixRows>(ref m, ref p, r, c, kb, kEnd);
        }

        switch (rowEnd - r)
        {
            case 1: Tile<TFormat, TVec, OneRow>(ref m, ref p, r, c, kb, kEnd); break;
            case 2: Tile<TFormat, TVec, TwoRows>(ref m, ref p, r, c, kb, kEnd); break;
            case 3: Tile<TFormat, TVec, ThreeRows>(ref m, ref p, r, c, kb, kEnd); break;
            case 4: Tile<TFormat, TVec, FourRows>(ref m, ref p, r, c, kb, kEnd); break;
            case 5: Tile<TFormat, TVec, FiveRows>(ref m, ref p, r, c, kb, kEnd); break;
        }
    }

    // One register of columns at c for every row, over the whole inner dimension (the range's last columns).
    private static void Column<TFormat, TVec>(ref Operands m, int rows, int c)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        nuint n = (nuint)m.Columns, inner = (nuint)m.Inner;
        var b = m.HasBias ? TVec.Load(ref m.Bias, (nuint)c) : TVec.Zero;
        for (int r = 0; r < rows; r++)
        {
            ref float x = ref Unsafe.Add(ref m.Input, (nuint)r * inner);
            var a = b;
            for (nuint k = 0; k < inner; k++)
            {
                a = TVec.MultiplyAdd(TFormat.Load<TVec>(ref m.Weight, ref m.Scales, TFormat.Offset(k, (nuint)c, n)), TVec.Create(Unsafe.Add(ref x, k)), a);
            }

            TVec.Store(a, ref m.Output, ((nuint)r * n) + (nuint)c);
        }
    }

    // Rows r0..r0+TRows of columns c..c+2·Count over weight rows kb..kEnd (read through the panel p); the first block
    // starts from the bias, later blocks from the partial sums already in the output.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TFormat, TVec, TRows>(scoped ref Operands m, scoped ref Panel p, int r0, int c, int kb, int kEnd)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
        where TRows : struct, IRowCount
    {
        nuint n = (nuint)m.Columns;
        nuint s = (nuint)TVec.Count;
        ref float y = ref m.Output;
        nuint y0 = ((nuint)r0 * n) + (nuint)c, y1 = y0 + n, y2 = y1 + n, y3 = y2 + n, y4 = y3 + n, y5 = y4 + n;
        TVec a00, a01, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        if (kb == 0)
        {
            TVec b0 = TVec.Zero, b1 = TVec.Zero;
            if (m.HasBias)
            {
                b0 = TVec.Load(ref m.Bias, (nuint)c);
                b1 = TVec.Load(ref m.Bias, (nuint)c + s);
            }

            a00 = b0; a01 = b1;
            if (TRows.Value > 1) { a10 = b0; a11 = b1; }
            if (TRows.Value > 2) { a20 = b0; a21 = b1; }
            if (TRows.Value > 3) { a30 = b0; a31 = b1; }
            if (TRows.Value > 4) { a40 = b0; a41 = b1; }
            if (TRows.Value > 5) { a50 = b0; a51 = b1; }
        }
        else
        {
            a00 = TVec.Load(ref y, y0); a01 = TVec.Load(ref y, y0 + s);
            if (TRows.Value > 1) { a10 = TVec.Load(ref y, y1); a11 = TVec.Load(ref y, y1 + s); }
            if (TRows.Value > 2) { a20 = TVec.Load(ref y, y2); a21 = TVec.Load(ref y, y2 + s); }
            if (TRows.Value > 3) { a30 = TVec.Load(ref y, y3); a31 = TVec.Load(ref y, y3 + s); }
            if (TRows.Value > 4) { a40 = TVec.Load(ref y, y4); a41 = TVec.Load(ref y, y4 + s); }
            if (TRows.Value > 5) { a50 = TVec.Load(ref y, y5); a51 = TVec.Load(ref y, y5 + s); }
        }

        nuint inner = (nuint)m.Inner;
        ref float x0 = ref Unsafe.Add(ref m.Input, (nuint)r0 * inner);
        ref float x1 = ref Unsafe.Add(ref x0, inner);
        ref float x2 = ref Unsafe.Add(ref x1, inner);
        ref float x3 = ref Unsafe.Add(ref x2, inner);
        ref float x4 = ref Unsafe.Add(ref x3, inner);
        ref float x5 = ref Unsafe.Add(ref x4, inner);
        nuint wo = p.Start;
        for (nuint k = (nuint)kb; k < (nuint)kEnd; k++, wo += p.Stride)
        {
            var w0 = TFormat.Load<TVec>(ref p.Weight, ref p.Scales, wo);
            var w1 = TFormat.Load<TVec>(ref p.Weight, ref p.Scales, wo + s);
            var v = TVec.Create(Unsafe.Add(ref x0, k));
            a00 = TVec.MultiplyAdd(w0, v, a00); a01 = TVec.MultiplyAdd(w1, v, a01);
            if (TRows.Value > 1) { v = TVec.Create(Unsafe.Add(ref x1, k)); a10 = TVec.MultiplyAdd(w0, v, a10); a11 = TVec.MultiplyAdd(w1, v, a11); }
            if (TRows.Value > 2) { v = TVec.Create(Unsafe.Add(ref x2, k)); a20 = TVec.MultiplyAdd(w0, v, a20); a21 = TVec.MultiplyAdd(w1, v, a21); }
            if (TRows.Value > 3) { v = TVec.Create(Unsafe.Add(ref x3, k)); a30 = TVec.MultiplyAdd(w0, v, a30); a31 = TVec.MultiplyAdd(w1, v, a31); }
            if (TRows.Value > 4) { v = TVec.Create(Unsafe.Add(ref x4, k)); a40 = TVec.MultiplyAdd(w0, v, a40); a41 = TVec.MultiplyAdd(w1, v, a41); }
            if (TRows.Value > 5) { v = TVec.Create(Unsafe.Add(ref x5, k)); a50 = TVec.MultiplyAdd(w0, v, a50); a51 = TVec.MultiplyAdd(w1, v, a51); }
        }

        TVec.Store(a00, ref y, y0); TVec.Store(a01, ref y, y0 + s);
        if (TRows.Value > 1) { TVec.Store(a10, ref y, y1); TVec.Store(a11, ref y, y1 + s); }
        if (TRows.Value > 2) { TVec.Store(a20, ref y, y2); TVec.Store(a21, ref y, y2 + s); }
        if (TRows.Value > 3) { TVec.Store(a30, ref y, y3); TVec.Store(a31, ref y, y3 + s); }
        if (TRows.Value > 4) { TVec.Store(a40, ref y, y4); TVec.Store(a41, ref y, y4 + s); }
        if (TRows.Value > 5) { TVec.Store(a50, ref y, y5); TVec.Store(a51, ref y, y5 + s); }
    }

    /// <summary>Where a tile reads its block of weights: element (k, j) of the block at <c>Start + (k − kb)·Stride + j</c>,
    /// in the matrix itself or in a widened panel.</summary>
    private ref struct Panel(ref byte weight, ref float scales, nuint start, nuint stride)
    {
        public ref byte Weight = ref weight;
        public ref float Scales = ref scales;
        public nuint Start = start;
        public nuint Stride = stride;
    }

    /// <summary>The operands as refs, passed by reference so the micro-kernels take one argument instead of nine.</summary>
    private ref struct Operands
    {
        public ref float Input;
        public int Inner;
        public ref byte Weight;
        public ref float Scales;
        public int Columns;
        public ref float Bias;
        public bool HasBias;
        public ref float Output;

        public Operands(ref float input, int inner, ref byte weight, ref float scales, int columns, ref float bias, bool hasBias, ref float output)
        {
            Input = ref input;
            Inner = inner;
            Weight = ref weight;
            Scales = ref scales;
            Columns = columns;
            Bias = ref bias;
            HasBias = hasBias;
            Output = ref output;
        }
    }
}
