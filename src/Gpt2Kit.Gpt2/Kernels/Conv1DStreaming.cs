using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary><c>output[r, c] = bias[c] + Σ_{k ∈ [kStart, kEnd)} input[r, k] · weight[k, c]</c> over a column range, for a few
/// rows (decoding). The weight (GPT-2's Conv1D layout <c>[in, out]</c>, in any <see cref="WeightFormat"/>) is streamed
/// once, eight of its rows at a time across a wide column block, so memory is read in long sequential runs, with the next
/// eight rows requested ahead. With several input rows, each register of eight weight rows is loaded (widened) once and
/// used by every row in turn; the output block stays in L1 between groups. Every row is summed in the same order
/// whatever the row count.</summary>
/// <remarks>Stateless; thread-safe. Parallel callers give each thread its own weight rows (summing the partial outputs)
/// or its own columns.</remarks>
// The block formats' table of scaled inputs is written before it is read: no need to zero it on every call.
[SkipLocalsInit]
internal static class Conv1DStreaming
{
    /// <summary>Floats of output kept in L1 per column block, over all rows.</summary>
    private const int OutputBlockFloats = 4096;

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
        if (weight.Interleaved && (innerStart % Q8InterleavedWeights.GroupRows != 0 || innerEnd % Q8InterleavedWeights.GroupRows != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(innerStart), $"{innerStart}..{innerEnd}",
                $"an interleaved matrix is summed in whole groups of {Q8InterleavedWeights.GroupRows} weight rows.");
        }

        SimdDispatch.Run(new Kernel(input, rows, weight, bias, output, innerStart, innerEnd, columnStart, columnEnd), weight, width);
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

                if (rows == 1)
                {
                    OneRowBlock<TFormat, TVec>(ref m, blockStart, blockEnd);
                }
                else
                {
                    RowsBlock<TFormat, TVec>(ref m, blockStart, blockEnd);
                }
            }
        }
    }

    // Each block loop is its own method: inlined into one caller, the loops exhausted the JIT's inlining budget for f16
    // weights (the per-register helpers then became calls, and f16 decoding ran at less than half the speed of f32).
    // KernelCodeTests checks the compiled kernels for such calls.

    // Columns blockStart..blockEnd of one row. The broadcast input values stay in registers and each register of the
    // eight weight rows is used once.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void OneRowBlock<TFormat, TVec>(ref Operands m, int blockStart, int blockEnd)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        nuint columns = (nuint)m.Columns;
        int k = m.InnerStart;
        for (; k + 8 <= m.InnerEnd; k += 8)
        {
            nuint ahead = Sse.IsSupported && k + 16 <= m.InnerEnd ? TFormat.Offset(8, 0, columns) : 0;
            AccumulateEightWeightRows<TFormat, TVec>(ref m.Weight, ref m.Scales, TFormat.Offset((nuint)k, 0, columns), columns,
                ref Unsafe.Add(ref m.Input, k), ref m.Output, blockStart, blockEnd, ahead);
        }

        OneWeightRowAtATime<TFormat, TVec>(ref m, k, blockStart, blockEnd);
    }

    // Columns blockStart..blockEnd of several rows. Each register of eight weight rows is loaded (widened) once into
    // registers and used by every row in turn, so the matrix is read in place and the rows' sums are independent of
    // each other (no chain waits on the last). Every row sums in AccumulateEightWeightRows' order (TwoChains).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RowsBlock<TFormat, TVec>(ref Operands m, int blockStart, int blockEnd)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        int rows = m.Rows, inner = m.Inner, columns = m.Columns;
        nuint stride = TFormat.Offset(1, 0, (nuint)columns);

        int k = m.InnerStart;
        for (; k + 8 <= m.InnerEnd; k += 8)
        {
            nuint rowOffset = TFormat.Offset((nuint)k, 0, (nuint)columns);
            bool prefetch = Sse.IsSupported && k + 16 <= m.InnerEnd;
            ref float x = ref Unsafe.Add(ref m.Input, k);
            int c = blockStart;
            if (TFormat.HasBlockScales)
            {
                c = ScaledRowsBlock<TFormat, TVec>(ref m, rowOffset, ref x, blockStart, blockEnd, prefetch);
            }
            else
            {
                for (; c + TVec.Count <= blockEnd; c += TVec.Count)
                {
                    nuint j = rowOffset + TFormat.Offset(0, (nuint)c, (nuint)columns);
                    if (prefetch)
                    {
                        PrefetchNextGroup<TFormat>(ref m.Weight, c, j + TFormat.Offset(8, 0, (nuint)columns), stride);
                    }

                    var w0 = TFormat.Load<TVec>(ref m.Weight, ref m.Scales, j);
                    var w1 = TFormat.Load<TVec>(ref m.Weight, ref m.Scales, j + stride);
                    var w2 = TFormat.Load<TVec>(ref m.Weight, ref m.Scales, j + (2 * stride));
                    var w3 = TFormat.Load<TVec>(ref m.Weight, ref m.Scales, j + (3 * stride));
                    var w4 = TFormat.Load<TVec>(ref m.Weight, ref m.Scales, j + (4 * stride));
                    var w5 = TFormat.Load<TVec>(ref m.Weight, ref m.Scales, j + (5 * stride));
                    var w6 = TFormat.Load<TVec>(ref m.Weight, ref m.Scales, j + (6 * stride));
                    var w7 = TFormat.Load<TVec>(ref m.Weight, ref m.Scales, j + (7 * stride));
                    AccumulateRows(w0, w1, w2, w3, w4, w5, w6, w7, ref x, inner, ref Unsafe.Add(ref m.Output, c), columns, rows);
                }
            }

            if (c < blockEnd)
            {
                RowsTail<TFormat, TVec>(ref m, k, c, blockEnd);
            }
        }

        OneWeightRowAtATime<TFormat, TVec>(ref m, k, blockStart, blockEnd);
    }

    // RowsBlock's loop for block formats, over whole blocks of 32 columns; returns the first column it left. Each row
    // folds a block's scales into its eight input values, (x·s)·w, exactly as AccumulateScaledBlocks does for one row.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int ScaledRowsBlock<TFormat, TVec>(ref Operands m, nuint rowOffset, ref float x, int blockStart, int blockEnd, bool prefetch)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        const int RowChunk = 32;
        Span<float> scaled = stackalloc float[8 * RowChunk];
        ref float xs = ref MemoryMarshal.GetReference(scaled);
        int rows = m.Rows, inner = m.Inner, columns = m.Columns;
        nuint stride = TFormat.Offset(1, 0, (nuint)columns);
        int c = blockStart;
        for (; c + Q8Weights.BlockSize <= blockEnd; c += Q8Weights.BlockSize)
        {
            nuint j0 = rowOffset + TFormat.Offset(0, (nuint)c, (nuint)columns);
            if (prefetch)
            {
                PrefetchNextGroup<TFormat>(ref m.Weight, c, j0 + TFormat.Offset(8, 0, (nuint)columns), stride);
            }

            // The block's scale in each of the eight weight rows, multiplied into each row's eight input values at once
            // (element by element: the same products as one row's scalar ones).
            var scales = Vector256.Create(
                TFormat.Scale(ref m.Scales, j0), TFormat.Scale(ref m.Scales, j0 + stride), TFormat.Scale(ref m.Scales, j0 + (2 * stride)),
                TFormat.Scale(ref m.Scales, j0 + (3 * stride)), TFormat.Scale(ref m.Scales, j0 + (4 * stride)), TFormat.Scale(ref m.Scales, j0 + (5 * stride)),
                TFormat.Scale(ref m.Scales, j0 + (6 * stride)), TFormat.Scale(ref m.Scales, j0 + (7 * stride)));
            for (int r0 = 0; r0 < rows; r0 += RowChunk)
            {
                int chunk = Math.Min(RowChunk, rows - r0);
                for (int r = 0; r < chunk; r++)
                {
                    (Vector256.LoadUnsafe(ref Unsafe.Add(ref x, (nint)(r0 + r) * inner)) * scales).StoreUnsafe(ref xs, (nuint)(8 * r));
                }

                for (int v = 0; v < Q8Weights.BlockSize; v += TVec.Count)
                {
                    nuint j = j0 + (nuint)v;
                    var w0 = TFormat.LoadUnscaled<TVec>(ref m.Weight, j);
                    var w1 = TFormat.LoadUnscaled<TVec>(ref m.Weight, j + stride);
                    var w2 = TFormat.LoadUnscaled<TVec>(ref m.Weight, j + (2 * stride));
                    var w3 = TFormat.LoadUnscaled<TVec>(ref m.Weight, j + (3 * stride));
                    var w4 = TFormat.LoadUnscaled<TVec>(ref m.Weight, j + (4 * stride));
                    var w5 = TFormat.LoadUnscaled<TVec>(ref m.Weight, j + (5 * stride));
                    var w6 = TFormat.LoadUnscaled<TVec>(ref m.Weight, j + (6 * stride));
                    var w7 = TFormat.LoadUnscaled<TVec>(ref m.Weight, j + (7 * stride));
                    AccumulateRows(w0, w1, w2, w3, w4, w5, w6, w7, ref xs, 8, ref Unsafe.Add(ref m.Output, ((nint)r0 * columns) + c + v), columns, chunk);
                }
            }
        }

        return c;
    }

    // The loops' one prefetch rule: where column `column` begins a cache line, requests the line at element `element` of
    // each of eight weight rows `stride` elements apart (the next group's rows), so each line is asked for once, as the
    // loop reaches the same columns of the current group. Interleaved rows lie together: a block's four lines.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchNextGroup<TFormat>(ref byte w, int column, nuint element, nuint stride)
        where TFormat : struct, IWeightFormat
    {
        if (TFormat.IsInterleaved)
        {
            if (column % Q8Weights.BlockSize == 0)
            {
                byte* block = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref w, element));
                Sse.Prefetch1(block);
                Sse.Prefetch1(block + 64);
                Sse.Prefetch1(block + 128);
                Sse.Prefetch1(block + 192);
            }

            return;
        }

        nuint size = (nuint)TFormat.ElementSize;
        if ((nuint)column * size % 64 != 0)
        {
            return;
        }

        stride *= size;
        byte* p = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref w, element * size));
        Sse.Prefetch1(p);
        Sse.Prefetch1(p + stride);
        Sse.Prefetch1(p + (2 * stride));
        Sse.Prefetch1(p + (3 * stride));
        Sse.Prefetch1(p + (4 * stride));
        Sse.Prefetch1(p + (5 * stride));
        Sse.Prefetch1(p + (6 * stride));
        Sse.Prefetch1(p + (7 * stride));
    }

    // The last few columns start..end (fewer than a register) of weight rows k..k+8, for every row, the way one row
    // computes them. Apart from RowsBlock so that its loop keeps the JIT's inlining budget.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RowsTail<TFormat, TVec>(ref Operands m, int k, int start, int end)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        for (int r = 0; r < m.Rows; r++)
        {
            AccumulateEightWeightRows<TFormat, TVec>(ref m.Weight, ref m.Scales, TFormat.Offset((nuint)k, 0, (nuint)m.Columns), (nuint)m.Columns,
                ref Unsafe.Add(ref m.Input, ((nint)r * m.Inner) + k), ref Unsafe.Add(ref m.Output, (nint)r * m.Columns), start, end);
        }
    }

    // The last weight rows k..InnerEnd (fewer than eight), one at a time (cold: kept out of the loops' inlining budget).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OneWeightRowAtATime<TFormat, TVec>(ref Operands m, int k, int blockStart, int blockEnd)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        for (; k < m.InnerEnd; k++)
        {
            for (int r = 0; r < m.Rows; r++)
            {
                AccumulateOneWeightRow<TFormat, TVec>(ref m.Weight, ref m.Scales, TFormat.Offset((nuint)k, 0, (nuint)m.Columns), (nuint)m.Columns,
                    Unsafe.Add(ref m.Input, ((nint)r * m.Inner) + k), ref Unsafe.Add(ref m.Output, (nint)r * m.Columns), blockStart, blockEnd);
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

    // yRow[c] += Σ_{i<8} x[i]·w[k0+i, c] (TwoChains) for a matrix `columns` wide. The group's first row starts at
    // element rowOffset (TFormat.Offset(k0, 0)); with prefetchAhead (elements) set, the same columns that far on are
    // requested too.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateEightWeightRows<TFormat, TVec>(ref byte w, ref float s, nuint rowOffset, nuint columns, ref float x, ref float yRow,
        int start, int end, nuint prefetchAhead = 0)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        Broadcast(ref x, out TVec v0, out TVec v1, out TVec v2, out TVec v3, out TVec v4, out TVec v5, out TVec v6, out TVec v7);
        nuint stride = TFormat.Offset(1, 0, columns);
        int c = start;
        if (TFormat.HasBlockScales)
        {
            c = AccumulateScaledBlocks<TFormat, TVec>(ref w, ref s, rowOffset, columns, ref x, ref yRow, start, end, prefetchAhead);
        }

        for (; c + TVec.Count <= end; c += TVec.Count)
        {
            nuint j = rowOffset + TFormat.Offset(0, (nuint)c, columns);
            if (prefetchAhead != 0)
            {
                PrefetchNextGroup<TFormat>(ref w, c, j + prefetchAhead, stride);
            }

            TVec.Store(TwoChainsLoading<TFormat, TVec>(TVec.Load(ref yRow, (nuint)c), ref w, ref s, j, stride, scaled: true, v0, v1, v2, v3, v4, v5, v6, v7),
                ref yRow, (nuint)c);
        }

        for (; c < end; c++)
        {
            nuint j = rowOffset + TFormat.Offset(0, (nuint)c, columns);
            float sum = Unsafe.Add(ref yRow, c);
            for (nuint i = 0; i < 8; i++)
            {
                sum = MathF.FusedMultiplyAdd(TFormat.Get(ref w, ref s, j + (i * stride)), Unsafe.Add(ref x, i), sum);
            }

            Unsafe.Add(ref yRow, c) = sum;
        }
    }

    // The block formats' part of AccumulateEightWeightRows (kept apart so the other formats' code stays small enough to
    // inline); returns the first column it left for the register loop.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int AccumulateScaledBlocks<TFormat, TVec>(ref byte w, ref float s, nuint rowOffset, nuint columns, ref float x, ref float yRow,
        int start, int end, nuint prefetchAhead)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        nuint stride = TFormat.Offset(1, 0, columns);
        int c = start;
        // One scale per weight row and block of 32 columns: folded into that row's input value once per block.
        for (; c + Q8Weights.BlockSize <= end; c += Q8Weights.BlockSize)
        {
            nuint j0 = rowOffset + TFormat.Offset(0, (nuint)c, columns);
            if (prefetchAhead != 0)
            {
                PrefetchNextGroup<TFormat>(ref w, c, j0 + prefetchAhead, stride);
            }

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
                TVec.Store(TwoChainsLoading<TFormat, TVec>(TVec.Load(ref yRow, yc), ref w, ref s, j, stride, scaled: false, s0, s1, s2, s3, s4, s5, s6, s7),
                    ref yRow, yc);
            }
        }

        return c;
    }

    // One register of eight weight rows (w0..w7) into `count` rows: y_r += Σ_i w_i·values_r[i] (TwoChains), where row r's
    // eight input values start valueStride floats after row r − 1's and its output register yStride floats after.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateRows<TVec>(TVec w0, TVec w1, TVec w2, TVec w3, TVec w4, TVec w5, TVec w6, TVec w7, ref float values, int valueStride,
        ref float y, int yStride, int count)
        where TVec : struct, ISimdVector<TVec>
    {
        for (int r = 0; r < count; r++)
        {
            TVec.Store(
                TwoChains(TVec.Load(ref y, 0), w0, w1, w2, w3, w4, w5, w6, w7,
                    TVec.Create(values), TVec.Create(Unsafe.Add(ref values, 1)), TVec.Create(Unsafe.Add(ref values, 2)), TVec.Create(Unsafe.Add(ref values, 3)),
                    TVec.Create(Unsafe.Add(ref values, 4)), TVec.Create(Unsafe.Add(ref values, 5)), TVec.Create(Unsafe.Add(ref values, 6)),
                    TVec.Create(Unsafe.Add(ref values, 7))),
                ref y, 0);
            values = ref Unsafe.Add(ref values, valueStride);
            y = ref Unsafe.Add(ref y, yStride);
        }
    }

    // y + Σ_{i<8} w_i·v_i in two interleaved chains (even and odd weight rows) added at the end, so the adds do not wait
    // on each other. Every path (one row or several, every format) sums in this one order, which is what makes a row's
    // result the same in any batch.
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

    // TwoChains over eight weight rows `stride` elements apart from element j, each register loaded (widened) just
    // before its multiply, so one temporary holds it: with all eight loaded first, they and the eight broadcasts
    // overflow AVX2's sixteen registers and the loop spills. `scaled`: read block formats with their scales.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec TwoChainsLoading<TFormat, TVec>(TVec y, ref byte w, ref float s, nuint j, nuint stride, bool scaled,
        TVec v0, TVec v1, TVec v2, TVec v3, TVec v4, TVec v5, TVec v6, TVec v7)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        var a = TVec.MultiplyAdd(Row(ref w, ref s, j, scaled), v0, y);
        var b = TVec.Multiply(Row(ref w, ref s, j + stride, scaled), v1);
        a = TVec.MultiplyAdd(Row(ref w, ref s, j + (2 * stride), scaled), v2, a);
        b = TVec.MultiplyAdd(Row(ref w, ref s, j + (3 * stride), scaled), v3, b);
        a = TVec.MultiplyAdd(Row(ref w, ref s, j + (4 * stride), scaled), v4, a);
        b = TVec.MultiplyAdd(Row(ref w, ref s, j + (5 * stride), scaled), v5, b);
        a = TVec.MultiplyAdd(Row(ref w, ref s, j + (6 * stride), scaled), v6, a);
        b = TVec.MultiplyAdd(Row(ref w, ref s, j + (7 * stride), scaled), v7, b);
        return TVec.Add(a, b);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static TVec Row(ref byte w, ref float s, nuint index, bool scaled) =>
            scaled ? TFormat.Load<TVec>(ref w, ref s, index) : TFormat.LoadUnscaled<TVec>(ref w, index);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateOneWeightRow<TFormat, TVec>(ref byte w, ref float s, nuint rowOffset, nuint columns, float x0, ref float yRow, int start,
        int end)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        var v0 = TVec.Create(x0);
        int c = start;
        for (; c + TVec.Count <= end; c += TVec.Count)
        {
            nuint j = rowOffset + TFormat.Offset(0, (nuint)c, columns);
            TVec.Store(TVec.MultiplyAdd(TFormat.Load<TVec>(ref w, ref s, j), v0, TVec.Load(ref yRow, (nuint)c)), ref yRow, (nuint)c);
        }

        for (; c < end; c++)
        {
            nuint j = rowOffset + TFormat.Offset(0, (nuint)c, columns);
            Unsafe.Add(ref yRow, c) = MathF.FusedMultiplyAdd(TFormat.Get(ref w, ref s, j), x0, Unsafe.Add(ref yRow, c));
        }
    }
}
