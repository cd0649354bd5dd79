using System.Runtime.InteropServices;
using Gpt2Kit.Gpt2.Kernels;

namespace Gpt2Kit.Gpt2.Tests.Kernels;

/// <summary>A random weight matrix encoded in one format, with the values it stands for decoded independently of the
/// kernels (the reference the kernels are held to): fp32 as is, bf16 bits shifted into the upper half, f16 through
/// <see cref="Half"/>, q8 as <c>int8 · scale</c>.</summary>
internal sealed class WeightData
{
    private WeightData(WeightFormat format, byte[] data, float[] scales, float[] values, int rows, int columns)
    {
        Format = format;
        Data = data;
        Scales = scales;
        Values = values;
        Rows = rows;
        Columns = columns;
    }

    public WeightFormat Format { get; }

    public byte[] Data { get; }

    public float[] Scales { get; }

    /// <summary>The decoded values, row-major.</summary>
    public float[] Values { get; }

    public int Rows { get; }

    public int Columns { get; }

    public WeightSpan Span => new(Format, Data, Scales, Rows, Columns);

    public static WeightData Create(WeightFormat format, int rows, int columns, int seed, float scale = 0.1f)
    {
        float[] source = KernelData.Random(rows * columns, seed, scale);
        byte[] data = new byte[source.Length * WeightFormats.ElementSize(format)];
        float[] scales = new float[WeightFormats.ScaleCount(format, source.Length)];
        WeightEncoding.Encode(source, format, data, scales);
        float[] values = format switch
        {
            WeightFormat.F32 => MemoryMarshal.Cast<byte, float>(data).ToArray(),
            WeightFormat.BF16 => MemoryMarshal.Cast<byte, ushort>(data).ToArray().Select(b => BitConverter.UInt32BitsToSingle((uint)b << 16)).ToArray(),
            WeightFormat.F16 => MemoryMarshal.Cast<byte, Half>(data).ToArray().Select(h => (float)h).ToArray(),
            _ => MemoryMarshal.Cast<byte, sbyte>(data).ToArray().Select((q, i) => q * scales[i / Q8Weights.BlockSize]).ToArray(),
        };
        return new WeightData(format, data, scales, values, rows, columns);
    }
}
