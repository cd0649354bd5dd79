using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>Widens a small block of a weight matrix into an fp32 scratch panel, so that a kernel that uses the block for
/// several input rows converts each weight once instead of once per row.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class WeightPanel
{
    /// <summary><c>panel[i, j] = W[start + i·stride + j]</c> for <paramref name="rows"/> × <paramref name="columns"/> elements
    /// (<paramref name="start"/> on a register boundary of the block format).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Widen<TFormat, TVec>(ref byte weight, ref float scales, nuint start, nuint stride, int rows, int columns, Span<float> panel)
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>
    {
        ref float p = ref MemoryMarshal.GetReference(panel);
        for (int i = 0; i < rows; i++)
        {
            nuint source = start + ((nuint)i * stride);
            nuint destination = (nuint)i * (nuint)columns;
            int j = 0;
            for (; j + TVec.Count <= columns; j += TVec.Count)
            {
                TVec.Store(TFormat.Load<TVec>(ref weight, ref scales, source + (nuint)j), ref p, destination + (nuint)j);
            }

            for (; j < columns; j++)
            {
                Unsafe.Add(ref p, destination + (nuint)j) = TFormat.Get(ref weight, ref scales, source + (nuint)j);
            }
        }
    }

    /// <summary>Whether <typeparamref name="TFormat"/> needs widening (everything but fp32).</summary>
    public static bool IsNarrow<TFormat>()
        where TFormat : struct, IWeightFormat => typeof(TFormat) != typeof(F32Weights);
}
