using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>Widens bfloat16 values (safetensors <c>BF16</c>, little-endian) to fp32, exactly: a bfloat16 is the upper half of an fp32.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class BFloat16ToSingle
{
    /// <summary>Converts <paramref name="source"/> (2 bytes per value) into <paramref name="destination"/>.</summary>
    public static void Convert(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var bits = MemoryMarshal.Cast<byte, ushort>(source);
        KernelArguments.RequireLength(destination.Length, bits.Length, nameof(destination));
        var output = MemoryMarshal.Cast<float, uint>(destination);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<ushort>.Count <= bits.Length; i += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.Create(bits.Slice(i, Vector256<ushort>.Count)));
                Vector256.ShiftLeft(lower, 16).CopyTo(output.Slice(i, Vector256<uint>.Count));
                Vector256.ShiftLeft(upper, 16).CopyTo(output.Slice(i + Vector256<uint>.Count, Vector256<uint>.Count));
            }
        }

        for (; i < bits.Length; i++)
        {
            output[i] = (uint)bits[i] << 16;
        }
    }
}
