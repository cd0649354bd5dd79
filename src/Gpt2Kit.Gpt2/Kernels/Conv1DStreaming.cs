using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary><c>output[r, c] = Σ_k input[r, k] · weight[k, c] + bias[c]</c> over a column range, for a few rows (decoding).
/// The weight (GPT-2's Conv1D layout <c>[in, out]</c>) is streamed from memory once, four of its rows at a time, and
/// every input row reuses those four rows while they are still in L1.</summary>
/// <remarks>Stateless; thread-safe. Parallel callers give each thread its own column range.</remarks>
internal static class Conv1DStreaming
{
    /// <summary>Floats of L1 spent on one column block: four weight rows plus one output row per input row.</summary>
    private const int L1BudgetFloats = 6144;

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

        ref float x = ref MemoryMarshal.GetReference(input);
        ref float w = ref MemoryMarshal.GetReference(weight);
        ref float y = ref MemoryMarshal.GetReference(output);
        int blockColumns = Math.Max(64, L1BudgetFloats / (4 + rows) / 16 * 16);
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

            int k = 0;
            for (; k + 4 <= inner; k += 4)
            {
                for (int r = 0; r < rows; r++)
                {
                    ref float xRow = ref Unsafe.Add(ref x, (nint)r * inner + k);
                    AccumulateFourWeightRows<TVec>(
                        ref w, (nuint)((long)k * columns), (nuint)columns,
                        xRow, Unsafe.Add(ref xRow, 1), Unsafe.Add(ref xRow, 2), Unsafe.Add(ref xRow, 3),
                        ref Unsafe.Add(ref y, (nint)r * columns), blockStart, blockEnd);
                }
            }

            for (; k < inner; k++)
            {
                for (int r = 0; r < rows; r++)
                {
                    AccumulateOneWeightRow<TVec>(
                        ref w, (nuint)((long)k * columns), Unsafe.Add(ref x, (nint)r * inner + k),
                        ref Unsafe.Add(ref y, (nint)r * columns), blockStart, blockEnd);
                }
            }
        }
    }

    // yRow[c] += x0·w[k0, c] + x1·w[k0+1, c] + x2·w[k0+2, c] + x3·w[k0+3, c]; two short chains instead of one of four.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateFourWeightRows<TVec>(ref float w, nuint rowOffset, nuint stride,
        float x0, float x1, float x2, float x3, ref float yRow, int start, int end)
        where TVec : struct, ISimdVector<TVec>
    {
        var v0 = TVec.Create(x0);
        var v1 = TVec.Create(x1);
        var v2 = TVec.Create(x2);
        var v3 = TVec.Create(x3);
        nuint o0 = rowOffset, o1 = rowOffset + stride, o2 = rowOffset + (2 * stride), o3 = rowOffset + (3 * stride);
        int c = start;
        for (; c + TVec.Count <= end; c += TVec.Count)
        {
            nuint j = (nuint)c;
            var a = TVec.MultiplyAdd(TVec.Load(ref w, o0 + j), v0, TVec.Load(ref yRow, j));
            var b = TVec.Multiply(TVec.Load(ref w, o1 + j), v1);
            a = TVec.MultiplyAdd(TVec.Load(ref w, o2 + j), v2, a);
            b = TVec.MultiplyAdd(TVec.Load(ref w, o3 + j), v3, b);
            TVec.Store(TVec.Add(a, b), ref yRow, j);
        }

        for (; c < end; c++)
        {
            nuint j = (nuint)c;
            float a = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, o0 + j), x0, Unsafe.Add(ref yRow, j));
            float b = Unsafe.Add(ref w, o1 + j) * x1;
            a = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, o2 + j), x2, a);
            b = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, o3 + j), x3, b);
            Unsafe.Add(ref yRow, j) = a + b;
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
