using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary><c>output[r, c] = bias[c] + Σ_{k ∈ [kStart, kEnd)} input[r, k] · weight[k, c]</c> over a column range, for a few
/// rows (decoding). The weight (GPT-2's Conv1D layout <c>[in, out]</c>, in any <see cref="WeightFormat"/>) is streamed
/// once, eight of its rows at a time across a wide column block, so memory is read in long sequential runs. With several
/// input rows, each group of eight weight rows is first copied (widened) into an interleaved L1 panel that every row
/// reads; the output block stays in L1 between groups. Every row is summed in the same order whatever the row count.</summary>
/// <remarks>Stateless; thread-safe. Parallel callers give each thread its own weight rows (summing the partial outputs)
/// or its own columns.</remarks>
// The panel is written before it is read: no need to zero it on every call.
[SkipLocalsInit]
internal static class Conv1DStreaming
{
    /// <summary>Floats of output kept in L1 per column block, over all rows.</summary>
    private const int OutputBlockFloats = 4096;

    /// <summary>Widest column block copied into the fp32 panel when several rows share it (8 rows × 512 floats = 16 KiB).</summary>
    private const int PanelColumns = 512;

    /// <summary>Computes the whole product (all weight rows, all columns).</summary>
    public static void Compute(ReadOnlySpan<float> input, int rows, WeightSpan weight, ReadOnlySpan<float> bias, Span<float> output,
        SimdWidth width = SimdWidth.Auto) =>
        Compute(input, rows, weight, bias, output, 0, weight.Rows, 0, weight.Columns, width);

    /// <summary>Computes columns <paramref name="columnStart"/>..<paramref name="columnEnd"/> of the output from weight rows
    /// <paramref name="innerStart"/>..<paramref name="innerEnd"/>.</summary>
    /// <param name="input">Row-major <c>[rows, inner]</c>, inner being the weight's row count.</param>
    /// <param name="rows">Input rows.</param>
    /// <param name="weight"><c>[inner, columns]</c>.</param>
    /// <param name="bias"><c>[columns]</c>, or empty for none (a partial sum).</param>
    /// <param name="output">Row-major <c>[rows, columns]</c>; only the column range is written.</param>
    /// <param name="innerStart">First weight row summed.</param>
    /// <param name="innerEnd">One past the last weight row summed.</param>
    /// <param name="columnStart">First column to compute (for Q8 weights a multiple of the register width).</param>
    /// <param name="columnEnd">One past the last column to compute.</param>
    /// <param name="width">The register width (<see cref="SimdWidth.Auto"/>: the best here).</param>
    public static void Compute(ReadOnlySpan<float> input, int rows, WeightSpan weight, ReadOnlySpan<float> bias, Span<float> output,
        int innerStart, int innerEnd, int columnStart, int columnEnd, SimdWidth width = SimdWidth.Auto)
    {
        KernelArguments.RequireConv1D(input, rows, weight, bias, output, columnStart, columnEnd);
        KernelArguments.RequireRange(innerStart, innerEnd, weight.Rows, nameof(innerStart));
        SimdDispatch.Run(new Kernel(input, rows, weight, bias, output, innerStart, innerEnd, columnStart, columnEnd), weight.Format, width);
    }

    private readonly ref struct Kernel(ReadOnlySpan<float> input, int rows, WeightSpan weight, ReadOnlySpan<float> bias, Span<float> output,
        int innerStart, int innerEnd, int columnStart, int columnEnd) : IWeightKernel
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
            var m = new Operands(ref MemoryMarshal.GetReference(_input), rows, _weight.Rows, ref _weight.DataReference, ref _weight.ScalesReference,
                _weight.Columns, ref MemoryMarshal.GetReference(_output), innerStart, innerEnd);
            int blockColumns = Math.Max(64, OutputBlockFloats / Math.Max(rows, 1) / 32 * 32);

            // Several input rows share each weight: each group of eight weight rows is copied (widened) once into an
            // L1 panel with the eight rows interleaved register by register, so every row's pass reads it at fixed
            // offsets from one moving pointer (the matrix itself needs an address computation per weight row). Not
            // block formats: one row folds each block's scale into its input value, (x·s)·w, and a widened panel would
            // give x·(s·w), which rounds differently; batched rows must get exactly what they get alone.
            bool widen = rows > 1 && !TFormat.HasBlockScales;
            Span<float> panel = widen ? stackalloc float[8 * PanelColumns] : default;
            if (widen)
            {
                blockColumns = Math.Min(blockColumns, PanelColumns);
            }

            for (int blockStart = columnStart; blockStart < columnEnd; blockStart += blockColumns)
            {
                int blockEnd = Math.Min(blockStart + blockColumns, columnEnd);
                for (int r = 0; r < rows; r++)
                {
                    var destination = _output.Slice((r * m.Columns) + blockStart, blockEnd - blockStart);
                    if (_bias.IsEmpty)
                    {
                        destination.Clear();
                    }
                    else
                    {
                        _bias[blockStart..blockEnd].CopyTo(destination);
                    }
                }

                if (widen)
                {
                    PanelBlock<TFormat, TVec>(ref m, blockStart, blockEnd, ref MemoryMarshal.GetReference(panel));
                }
                else
                {
                    DirectBlock<TFormat, TVec>(ref m, blockStart, blockEnd);
                }
            }
        }
    }

    // Each block loop is its own method: inlined into one caller, the two exhausted the JIT's inlining budget for f16
    // weights (the per-register helpers then became calls, and f16 decoding ran at less than half the speed of f32).

    // Columns blockStart..blockEnd of every row, reading the weight in place (one row; or block formats).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void DirectBlock<TFormat, TVec>(ref Operands m, int blockStart, int blockEnd)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        int rows = m.Rows, inner = m.Inner, columns = m.Columns;
        int k = m.InnerStart;
        for (; k + 8 <= m.InnerEnd; k += 8)
        {
            // With several rows the core computes from L1 most of the time; asking for the next group of weight rows
            // meanwhile keeps memory busy.
            if (rows > 1 && k + 16 <= m.InnerEnd)
            {
                PrefetchRows(ref m.Weight, (((long)(k + 8) * columns) + blockStart) * TFormat.ElementSize, columns * TFormat.ElementSize,
                    (blockEnd - blockStart) * TFormat.ElementSize, 0, 8);
            }

            for (int r = 0; r < rows; r++)
            {
                AccumulateEightWeightRows<TFormat, TVec>(ref m.Weight, ref m.Scales, (nuint)((long)k * columns), (nuint)columns,
                    ref Unsafe.Add(ref m.Input, ((nint)r * inner) + k), ref Unsafe.Add(ref m.Output, (nint)r * columns), blockStart, blockEnd, 0);
            }
        }

        OneWeightRowAtATime<TFormat, TVec>(ref m, k, blockStart, blockEnd);
    }

    // Columns blockStart..blockEnd of every row (several rows, formats without block scales), through the panel.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void PanelBlock<TFormat, TVec>(ref Operands m, int blockStart, int blockEnd, ref float panel)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        int rows = m.Rows, inner = m.Inner, columns = m.Columns;

        // Whole registers through the panel; the last few columns (fewer than a register) the way one row computes them.
        int registers = (blockEnd - blockStart) / TVec.Count;
        int registersEnd = blockStart + (registers * TVec.Count);
        int k = m.InnerStart;
        for (; k + 8 <= m.InnerEnd; k += 8)
        {
            // The next group's prefetches are spread over the rows' passes (measured with perf: a burst of them at the
            // start of the group stalls the core).
            bool prefetch = k + 16 <= m.InnerEnd;
            long nextGroup = (((long)(k + 8) * columns) + blockStart) * TFormat.ElementSize;
            WeightPanel.WidenInterleaved<TFormat, TVec>(ref m.Weight, ref m.Scales, (nuint)(((long)k * columns) + blockStart), (nuint)columns, registers,
                ref panel);
            for (int r = 0; r < rows; r++)
            {
                if (prefetch)
                {
                    PrefetchRows(ref m.Weight, nextGroup, columns * TFormat.ElementSize, (blockEnd - blockStart) * TFormat.ElementSize, r * 8 / rows,
                        (r + 1) * 8 / rows);
                }

                ref float xr = ref Unsafe.Add(ref m.Input, ((nint)r * inner) + k);
                ref float yr = ref Unsafe.Add(ref m.Output, (nint)r * columns);
                AccumulateInterleaved<TVec>(ref panel, registers, ref xr, ref Unsafe.Add(ref yr, blockStart));
                if (registersEnd < blockEnd)
                {
                    AccumulateEightWeightRows<TFormat, TVec>(ref m.Weight, ref m.Scales, (nuint)((long)k * columns), (nuint)columns, ref xr, ref yr,
                        registersEnd, blockEnd, 0);
                }
            }
        }

        OneWeightRowAtATime<TFormat, TVec>(ref m, k, blockStart, blockEnd);
    }

    // The last weight rows k..InnerEnd (fewer than eight), one at a time.
    private static void OneWeightRowAtATime<TFormat, TVec>(ref Operands m, int k, int blockStart, int blockEnd)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        for (; k < m.InnerEnd; k++)
        {
            for (int r = 0; r < m.Rows; r++)
            {
                AccumulateOneWeightRow<TFormat, TVec>(ref m.Weight, ref m.Scales, (nuint)((long)k * m.Columns), Unsafe.Add(ref m.Input, ((nint)r * m.Inner) + k),
                    ref Unsafe.Add(ref m.Output, (nint)r * m.Columns), blockStart, blockEnd);
            }
        }
    }

    private ref struct Operands(ref float input, int rows, int inner, ref byte weight, ref float scales, int columns, ref float output, int innerStart,
        int innerEnd)
    {
        public ref float Input = ref input;
        public readonly int Rows = rows;
        public readonly int Inner = inner;
        public ref byte Weight = ref weight;
        public ref float Scales = ref scales;
        public readonly int Columns = columns;
        public ref float Output = ref output;
        public readonly int InnerStart = innerStart;
        public readonly int InnerEnd = innerEnd;
    }

    // yRow[c] += Σ_{i<8} x[i]·w[k0+i, c] (TwoChains). Column c of the weight is element rowOffset + (c − columnBase) of
    // its first row.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateEightWeightRows<TFormat, TVec>(ref byte w, ref float s, nuint rowOffset, nuint stride, ref float x, ref float yRow,
        int start, int end, int columnBase)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        Broadcast(ref x, out TVec v0, out TVec v1, out TVec v2, out TVec v3, out TVec v4, out TVec v5, out TVec v6, out TVec v7);
        int c = start;
        if (TFormat.HasBlockScales)
        {
            c = AccumulateScaledBlocks<TFormat, TVec>(ref w, ref s, rowOffset, stride, ref x, ref yRow, start, end, columnBase);
        }

        for (; c + TVec.Count <= end; c += TVec.Count)
        {
            nuint j = rowOffset + (nuint)(c - columnBase);
            TVec.Store(
                TwoChains(TVec.Load(ref yRow, (nuint)c),
                    TFormat.Load<TVec>(ref w, ref s, j), TFormat.Load<TVec>(ref w, ref s, j + stride),
                    TFormat.Load<TVec>(ref w, ref s, j + (2 * stride)), TFormat.Load<TVec>(ref w, ref s, j + (3 * stride)),
                    TFormat.Load<TVec>(ref w, ref s, j + (4 * stride)), TFormat.Load<TVec>(ref w, ref s, j + (5 * stride)),
                    TFormat.Load<TVec>(ref w, ref s, j + (6 * stride)), TFormat.Load<TVec>(ref w, ref s, j + (7 * stride)),
                    v0, v1, v2, v3, v4, v5, v6, v7),
                ref yRow, (nuint)c);
        }

        for (; c < end; c++)
        {
            nuint j = rowOffset + (nuint)(c - columnBase);
            float sum = Unsafe.Add(ref yRow, c);
            for (nuint i = 0; i < 8; i++)
            {
                sum = MathF.FusedMultiplyAdd(TFormat.Get(ref w, ref s, j + (i * stride)), Unsafe.Add(ref x, i), sum);
            }

            Unsafe.Add(ref yRow, c) = sum;
        }
    }

    // AccumulateEightWeightRows' register loop over an interleaved panel (register v of weight row i at (8·v + i)·Count).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateInterleaved<TVec>(ref float panel, int registers, ref float x, ref float yBlock)
        where TVec : struct, ISimdVector<TVec>
    {
        Broadcast(ref x, out TVec v0, out TVec v1, out TVec v2, out TVec v3, out TVec v4, out TVec v5, out TVec v6, out TVec v7);
        nuint n = (nuint)TVec.Count;
        ref float p = ref panel;
        ref float yc = ref yBlock;
        for (int v = 0; v < registers; v++)
        {
            TVec.Store(
                TwoChains(TVec.Load(ref yc, 0),
                    TVec.Load(ref p, 0), TVec.Load(ref p, n), TVec.Load(ref p, 2 * n), TVec.Load(ref p, 3 * n),
                    TVec.Load(ref p, 4 * n), TVec.Load(ref p, 5 * n), TVec.Load(ref p, 6 * n), TVec.Load(ref p, 7 * n),
                    v0, v1, v2, v3, v4, v5, v6, v7),
                ref yc, 0);
            p = ref Unsafe.Add(ref p, 8 * n);
            yc = ref Unsafe.Add(ref yc, n);
        }
    }

    // The block formats' part of AccumulateEightWeightRows (kept apart so the other formats' code stays small enough to
    // inline); returns the first column it left for the register loop.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int AccumulateScaledBlocks<TFormat, TVec>(ref byte w, ref float s, nuint rowOffset, nuint stride, ref float x, ref float yRow,
        int start, int end, int columnBase)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        int c = start;
        // One scale per weight row and block of 32 columns: folded into that row's input value once per block.
        for (; c + Q8Weights.BlockSize <= end; c += Q8Weights.BlockSize)
        {
            nuint j0 = rowOffset + (nuint)(c - columnBase);
            var s0 = TVec.Create(x * TFormat.Scale(ref s, j0));
            var s1 = TVec.Create(Unsafe.Add(ref x, 1) * TFormat.Scale(ref s, j0 + stride));
            var s2 = TVec.Create(Unsafe.Add(ref x, 2) * TFormat.Scale(ref s, j0 + (2 * stride)));
            var s3 = TVec.Create(Unsafe.Add(ref x, 3) * TFormat.Scale(ref s, j0 + (3 * stride)));
            var s4 = TVec.Create(Unsafe.Add(ref x, 4) * TFormat.Scale(ref s, j0 + (4 * stride)));
            var s5 = TVec.Create(Unsafe.Add(ref x, 5) * TFormat.Scale(ref s, j0 + (5 * stride)));
            var s6 = TVec.Create(Unsafe.Add(ref x, 6) * TFormat.Scale(ref s, j0 + (6 * stride)));
            var s7 = TVec.Create(Unsafe.Add(ref x, 7) * TFormat.Scale(ref s, j0 + (7 * stride)));
            for (int v = 0; v < Q8Weights.BlockSize; v += TVec.Count)
            {
                nuint j = j0 + (nuint)v;
                nuint yc = (nuint)(c + v);
                TVec.Store(
                    TwoChains(TVec.Load(ref yRow, yc),
                        TFormat.LoadUnscaled<TVec>(ref w, j), TFormat.LoadUnscaled<TVec>(ref w, j + stride),
                        TFormat.LoadUnscaled<TVec>(ref w, j + (2 * stride)), TFormat.LoadUnscaled<TVec>(ref w, j + (3 * stride)),
                        TFormat.LoadUnscaled<TVec>(ref w, j + (4 * stride)), TFormat.LoadUnscaled<TVec>(ref w, j + (5 * stride)),
                        TFormat.LoadUnscaled<TVec>(ref w, j + (6 * stride)), TFormat.LoadUnscaled<TVec>(ref w, j + (7 * stride)),
                        s0, s1, s2, s3, s4, s5, s6, s7),
                    ref yRow, yc);
            }
        }

        return c;
    }

    // y + Σ_{i<8} w_i·v_i in two interleaved chains (even and odd weight rows) added at the end, so the adds do not wait
    // on each other. Every path (one row, several rows through a panel, block formats) sums in this one order, which
    // is what makes a row's result the same in any batch.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec TwoChains<TVec>(TVec y, TVec w0, TVec w1, TVec w2, TVec w3, TVec w4, TVec w5, TVec w6, TVec w7,
        TVec v0, TVec v1, TVec v2, TVec v3, TVec v4, TVec v5, TVec v6, TVec v7)
        where TVec : struct, ISimdVector<TVec>
    {
        var a = TVec.MultiplyAdd(w0, v0, y);
        var b = TVec.Multiply(w1, v1);
        a = TVec.MultiplyAdd(w2, v2, a);
        b = TVec.MultiplyAdd(w3, v3, b);
        a = TVec.MultiplyAdd(w4, v4, a);
        b = TVec.MultiplyAdd(w5, v5, b);
        a = TVec.MultiplyAdd(w6, v6, a);
        b = TVec.MultiplyAdd(w7, v7, b);
        return TVec.Add(a, b);
    }

    // x[0..8) as eight broadcast registers.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Broadcast<TVec>(ref float x, out TVec v0, out TVec v1, out TVec v2, out TVec v3, out TVec v4, out TVec v5, out TVec v6,
        out TVec v7)
        where TVec : struct, ISimdVector<TVec>
    {
        v0 = TVec.Create(x);
        v1 = TVec.Create(Unsafe.Add(ref x, 1));
        v2 = TVec.Create(Unsafe.Add(ref x, 2));
        v3 = TVec.Create(Unsafe.Add(ref x, 3));
        v4 = TVec.Create(Unsafe.Add(ref x, 4));
        v5 = TVec.Create(Unsafe.Add(ref x, 5));
        v6 = TVec.Create(Unsafe.Add(ref x, 6));
        v7 = TVec.Create(Unsafe.Add(ref x, 7));
    }

    // Requests every cache line of rows firstRow..endRow (of the eight from `start`, `stride` bytes apart), `length` bytes
    // each, into the cache hierarchy.
    private static unsafe void PrefetchRows(ref byte w, long start, int stride, int length, int firstRow, int endRow)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        for (int row = firstRow; row < endRow; row++)
        {
            byte* p = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref w, (nint)(start + ((long)row * stride))));
            for (int offset = 0; offset < length; offset += 64)
            {
                Sse.Prefetch1(p + offset);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateOneWeightRow<TFormat, TVec>(ref byte w, ref float s, nuint rowOffset, float x0, ref float yRow, int start, int end)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        var v0 = TVec.Create(x0);
        int c = start;
        for (; c + TVec.Count <= end; c += TVec.Count)
        {
            TVec.Store(TVec.MultiplyAdd(TFormat.Load<TVec>(ref w, ref s, rowOffset + (nuint)c), v0, TVec.Load(ref yRow, (nuint)c)), ref yRow, (nuint)c);
        }

        for (; c < end; c++)
        {
            Unsafe.Add(ref yRow, c) = MathF.FusedMultiplyAdd(TFormat.Get(ref w, ref s, rowOffset + (nuint)c), x0, Unsafe.Add(ref yRow, c));
        }
    }
}
