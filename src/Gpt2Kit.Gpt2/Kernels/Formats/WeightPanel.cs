using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>Widens a small block of a weight matrix into an fp32 scratch panel, so that a kernel that uses the block for
/// several input rows converts each weight once instead of once per row.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class WeightPanel
{
    private const int PrefetchRows = 8;

    /// <summary>Widens <paramref name="rows"/> rows from <paramref name="firstRow"/> of <paramref name="strips"/> adjacent
    /// strips of two registers each, from <paramref name="firstColumn"/> of a matrix <paramref name="columns"/> wide, into
    /// strip-major panels: element (i, j) of strip s, <c>W[firstRow + i, firstColumn + s·2·Count + j]</c>, goes to
    /// <c>panel[s·stripStride + i·2·Count + j]</c>. Rows are the outer loop, so the matrix is read a row segment at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WidenStrips<TFormat, TVec>(ref byte weight, ref float scales, int firstRow, int firstColumn, nuint columns, int rows, int strips,
        ref float panel, nuint stripStride)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        nuint n = (nuint)TVec.Count;
        nuint segmentBytes = (nuint)strips * 2 * n * (nuint)TFormat.ElementSize;
        for (int i = 0; i < rows; i++)
        {
            nuint row = (nuint)(firstRow + i);
            nuint destination = (nuint)i * 2 * n;

            // The rows are far apart, a pattern the hardware prefetchers do not follow: ask for the segment a few rows on.
            // (Interleaved rows lie in blocks shared by eight rows: none of that applies.)
            if (Sse.IsSupported && !TFormat.IsInterleaved && i + PrefetchRows < rows)
            {
                nuint ahead = TFormat.Offset(row + PrefetchRows, (nuint)firstColumn, columns);
                PrefetchSegment(ref Unsafe.Add(ref weight, ahead * (nuint)TFormat.ElementSize), segmentBytes);
            }

            nuint rowOffset = TFormat.Offset(row, 0, columns);
            for (int s = 0; s < strips; s++, destination += stripStride)
            {
                nuint source = rowOffset + TFormat.Offset(0, (nuint)(firstColumn + (s * 2 * (int)n)), columns);
                TVec.Store(TFormat.Load<TVec>(ref weight, ref scales, source), ref panel, destination);
                TVec.Store(TFormat.Load<TVec>(ref weight, ref scales, source + n), ref panel, destination + n);
            }
        }
    }

    private static unsafe void PrefetchSegment(ref byte start, nuint bytes)
    {
        byte* p = (byte*)Unsafe.AsPointer(ref start);
        for (nuint offset = 0; offset < bytes; offset += 64)
        {
            Sse.Prefetch0(p + offset);
        }
    }
}
