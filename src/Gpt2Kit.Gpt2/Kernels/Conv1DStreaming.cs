using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary><c>output[r, c] = bias[c] + Σ_{k ∈ [kStart, kEnd)} input[r, k] · weight[k, c]</c> over a column range, for a few
/// rows (decoding). The weight (GPT-2's Conv1D layout <c>[in, out]</c>) is streamed once, eight of its rows at a time
/// across a wide column block, so memory is read in long sequential runs; every input row reuses those eight rows
/// while they are in L1, and the output block stays in L1 between groups.</summary>
/// <remarks>Stateless; thread-safe. Parallel callers give each thread its own weight rows (summing the partial outputs)
/// or its own columns.</remarks>
internal static class Conv1DStreaming
{
    /// <summary>Floats of output kept in L1 per column block, over all rows.</summary>
    private const int OutputBlockFloats = 4096;

    /// <summary>Computes the whole product (all weight rows, all columns) with the best SIMD width.</summary>
    public static void Compute(ReadOnlySpan<float> input, int rows, int inner, ReadOnlySpan<float> weight, int columns,
        ReadOnlySpan<float> bias, Span<float> output) =>
        Compute(input, rows, inner, weight, columns, bias, output, 0, inner, 0, columns);

    /// <summary>Computes a part of the product with the best SIMD width; see <see cref="Compute{TVec}"/>.</summary>
    public static void Compute(ReadOnlySpan<float> input, int rows, int inner, ReadOnlySpan<float> weight, int columns,
        ReadOnlySpan<float> bias, Span<float> output, int innerStart, int innerEnd, int columnStart, int columnEnd)
    {
        if (Simd512.IsHardwareAccelerated)
        {
            Compute<Simd512>(input, rows, inner, weight, columns, bias, output, innerStart, innerEnd, columnStart, columnEnd);
        }
        else if (Simd256.IsHardwareAccelerated)
        {
            Compute<Simd256>(input, rows, inner, weight, columns, bias, output, innerStart, innerEnd, columnStart, columnEnd);
        }
        else if (Simd128.IsHardwareAccelerated)
        {
            Compute<Simd128>(input, rows, inner, weight, columns, bias, output, innerStart, innerEnd, columnStart, columnEnd);
        }
        else
        {
            Compute<SimdScalar>(input, rows, inner, weight, columns, bias, output, innerStart, innerEnd, columnStart, columnEnd);
        }
    }

    /// <summary>Computes columns <paramref name="columnStart"/>..<paramref name="columnEnd"/> of the output from weight rows
    /// <paramref name="innerStart"/>..<paramref name="innerEnd"/>, with registers of <typeparamref name="TVec"/>.</summary>
    /// <param name="input">Row-major <c>[rows, inner]</c>.</param>
    /// <param name="rows">Input rows.</param>
    /// <param name="inner">Input width (weight rows).</param>
    /// <param name="weight">Row-major <c>[inner, columns]</c>.</param>
    /// <param name="columns">Output width.</param>
    /// <param name="bias"><c>[columns]</c>, or empty for none (a partial sum).</param>
    /// <param name="output">Row-major <c>[rows, columns]</c>; only the column range is written.</param>
    /// <param name="innerStart">First weight row summed.</param>
    /// <param name="innerEnd">One past the last weight row summed.</param>
    /// <param name="columnStart">First column to compute.</param>
    /// <param name="columnEnd">One past the last column to compute.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute<TVec>(ReadOnlySpan<float> input, int rows, int inner, ReadOnlySpan<float> weight, int columns,
        ReadOnlySpan<float> bias, Span<float> output, int innerStart, int innerEnd, int columnStart, int columnEnd)
        where TVec : struct, ISimdVector<TVec>
    {
        KernelArguments.RequireLength(input.Length, (long)rows * inner, nameof(input));
        KernelArguments.RequireLength(weight.Length, (long)inner * columns, nameof(weight));
        KernelArguments.RequireLength(output.Length, (long)rows * columns, nameof(output));
        if (!bias.IsEmpty)
        {
            KernelArguments.RequireLength(bias.Length, columns, nameof(bias));
        }

        KernelArguments.RequireRange(innerStart, innerEnd, inner, nameof(innerStart));
        KernelArguments.RequireRange(columnStart, columnEnd, columns, nameof(columnStart));

        ref float x = ref MemoryMarshal.GetReference(input);
        ref float w = ref MemoryMarshal.GetReference(weight);
        ref float y = ref MemoryMarshal.GetReference(output);
        int blockColumns = Math.Max(64, OutputBlockFloats / Math.Max(rows, 1) / 16 * 16);
        for (int blockStart = columnStart; blockStart < columnEnd; blockStart += blockColumns)
        {
            int blockEnd = Math.Min(blockStart + blockColumns, columnEnd);
            for (int r = 0; r < rows; r++)
            {
                var destination = output.Slice((r * columns) + blockStart, blockEnd - blockStart);
                if (bias.IsEmpty)
                {
                    destination.Clear();
                }
                else
                {
                    bias[blockStart..blockEnd].CopyTo(destination);
                }
            }

            int k = innerStart;
            for (; k + 8 <= innerEnd; k += 8)
            {
                // With several rows the block's weight runs are short and the core computes from L1 most of the
                // time; asking for the next group now keeps memory busy meanwhile.
                if (rows > 1 && k + 16 <= innerEnd)
                {
                    PrefetchRows(ref Unsafe.Add(ref w, (nint)(((long)(k + 8) * columns) + blockStart)), columns, 8, blockEnd - blockStart);
                }

                for (int r = 0; r < rows; r++)
                {
                    AccumulateEightWeightRows<TVec>(ref w, (nuint)((long)k * columns), (nuint)columns,
                        ref Unsafe.Add(ref x, ((nint)r * inner) + k), ref Unsafe.Add(ref y, (nint)r * columns), blockStart, blockEnd);
                }
            }

            for (; k < innerEnd; k++)
            {
                for (int r = 0; r < rows; r++)
                {
                    AccumulateOneWeightRow<TVec>(ref w, (nuint)((long)k * columns), Unsafe.Add(ref x, ((nint)r * inner) + k),
                        ref Unsafe.Add(ref y, (nint)r * columns), blockStart, blockEnd);
                }
            }
        }
    }

    // yRow[c] += Σ_{i<8} x[i]·w[k0+i, c], in two interleaved chains so the adds do not wait on each other.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateEightWeightRows<TVec>(ref float w, nuint rowOffset, nuint stride, ref float x, ref float yRow, int start, int end)
        where TVec : struct, ISimdVector<TVec>
    {
        var v0 = TVec.Create(x);
        var v1 = TVec.Create(Unsafe.Add(ref x, 1));
        var v2 = TVec.Create(Unsafe.Add(ref x, 2));
        var v3 = TVec.Create(Unsafe.Add(ref x, 3));
        var v4 = TVec.Create(Unsafe.Add(ref x, 4));
        var v5 = TVec.Create(Unsafe.Add(ref x, 5));
        var v6 = TVec.Create(Unsafe.Add(ref x, 6));
        var v7 = TVec.Create(Unsafe.Add(ref x, 7));
        ref float w0 = ref Unsafe.Add(ref w, rowOffset);
        int c = start;
        for (; c + TVec.Count <= end; c += TVec.Count)
        {
            nuint j = (nuint)c;
            var a = TVec.MultiplyAdd(TVec.Load(ref w0, j), v0, TVec.Load(ref yRow, j));
            var b = TVec.Multiply(TVec.Load(ref w0, j + stride), v1);
            a = TVec.MultiplyAdd(TVec.Load(ref w0, j + (2 * stride)), v2, a);
            b = TVec.MultiplyAdd(TVec.Load(ref w0, j + (3 * stride)), v3, b);
            a = TVec.MultiplyAdd(TVec.Load(ref w0, j + (4 * stride)), v4, a);
            b = TVec.MultiplyAdd(TVec.Load(ref w0, j + (5 * stride)), v5, b);
            a = TVec.MultiplyAdd(TVec.Load(ref w0, j + (6 * stride)), v6, a);
            b = TVec.MultiplyAdd(TVec.Load(ref w0, j + (7 * stride)), v7, b);
            TVec.Store(TVec.Add(a, b), ref yRow, j);
        }

        for (; c < end; c++)
        {
            nuint j = (nuint)c;
            float sum = Unsafe.Add(ref yRow, j);
            for (nuint i = 0; i < 8; i++)
            {
                sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref w0, j + (i * stride)), Unsafe.Add(ref x, i), sum);
            }

            Unsafe.Add(ref yRow, j) = sum;
        }
    }

    // Requests every cache line of `count` rows × `length` floats (row stride `stride`) into the cache hierarchy.
    private static unsafe void PrefetchRows(ref float start, int stride, int count, int length)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        for (int row = 0; row < count; row++)
        {
            byte* p = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref start, (nint)row * stride));
            for (int offset = 0; offset < length * sizeof(float); offset += 64)
            {
                Sse.Prefetch1(p + offset);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateOneWeightRow<TVec>(ref float w, nuint rowOffset, float x0, ref float yRow, int start, int end)
        where TVec : struct, ISimdVector<TVec>
    {
        var v0 = TVec.Create(x0);
        int c = start;
        for (; c + TVec.Count <= end; c += TVec.Count)
        {
            nuint j = (nuint)c;
            TVec.Store(TVec.MultiplyAdd(TVec.Load(ref w, rowOffset + j), v0, TVec.Load(ref yRow, j)), ref yRow, j);
        }

        for (; c < end; c++)
        {
            nuint j = (nuint)c;
            Unsafe.Add(ref yRow, j) = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, rowOffset + j), x0, Unsafe.Add(ref yRow, j));
        }
    }
}
