using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>Writes fp32 values in a storage format: bf16 and f16 round to nearest even, q8 takes blocks of
/// <see cref="Q8Weights.BlockSize"/> values, scales each by <c>max|x| / 127</c> and rounds <c>x / scale</c> to the nearest
/// integer (an all-zero block gets scale 0).</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class WeightEncoding
{
    /// <summary>Encodes <paramref name="source"/> into <paramref name="data"/> (and <paramref name="scales"/> for q8, one per
    /// block; <paramref name="source"/> starts on a block).</summary>
    public static void Encode(ReadOnlySpan<float> source, WeightFormat format, Span<byte> data, Span<float> scales)
    {
        KernelArguments.RequireLength(data.Length, (long)source.Length * WeightFormats.ElementSize(format), nameof(data));
        switch (format)
        {
            case WeightFormat.F32:
                source.CopyTo(MemoryMarshal.Cast<byte, float>(data));
                break;
            case WeightFormat.F16:
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(data));
                break;
            case WeightFormat.BF16:
                var bits = MemoryMarshal.Cast<byte, ushort>(data);
                for (int i = 0; i < source.Length; i++)
                {
                    bits[i] = SingleToBFloat16.Convert(source[i]);
                }

                break;
            default:
                Quantize(source, MemoryMarshal.Cast<byte, sbyte>(data), scales);
                break;
        }
    }

    private static void Quantize(ReadOnlySpan<float> source, Span<sbyte> data, Span<float> scales)
    {
        KernelArguments.RequireLength(scales.Length, WeightFormats.ScaleCount(WeightFormat.Q8, source.Length), nameof(scales));
        for (int block = 0; block * Q8Weights.BlockSize < source.Length; block++)
        {
            int start = block * Q8Weights.BlockSize;
            var values = source.Slice(start, Math.Min(Q8Weights.BlockSize, source.Length - start));
            float max = MathF.Abs(TensorPrimitives.MaxMagnitude(values));
            if (!float.IsFinite(max))
            {
                throw new ArgumentException($"Value {max} at block {block} cannot be quantized to q8.", nameof(source));
            }

            float scale = max / 127f;
            float inverse = scale == 0 ? 0 : 1f / scale;
            scales[block] = scale;
            for (int i = 0; i < values.Length; i++)
            {
                data[start + i] = (sbyte)Math.Clamp(MathF.Round(values[i] * inverse), -127f, 127f);
            }
        }
    }
}
