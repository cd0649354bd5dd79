using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>Widens IEEE half-precision values (safetensors <c>F16</c>, little-endian) to fp32, exactly.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class HalfToSingle
{
    /// <summary>Converts <paramref name="source"/> (2 bytes per value) into <paramref name="destination"/>.</summary>
    public static void Convert(ReadOnlySpan<byte> source, Span<float> destination)
    {
        KernelArguments.RequireLength(destination.Length, source.Length / 2, nameof(destination));
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
    }
}
