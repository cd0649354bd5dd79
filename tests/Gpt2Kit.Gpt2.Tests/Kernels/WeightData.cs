using System.Runtime.InteropServices;
using Gpt2Kit.Gpt2.Kernels;

namespace Gpt2Kit.Gpt2.Tests.Kernels;

/// <summary>A random weight matrix encoded in one format, with the values it stands for decoded independently of the
/// kernels (the reference the kernels are held to): fp32 as is, bf16 bits shifted into the upper half, f16 through
/// <see cref="Half"/>, q8 as <c>int8 · scale</c>; interleaved q8 is encoded row-major, then reordered by the loader's own
/// copy (<see cref="Q8InterleavedWeights.Interleave"/>), and decoded through an independent offset formula.</summary>
internal sealed class WeightData
{
    /// <summary>The layout name of q8 with interleaved rows.</summary>
    public const string Interleaved = "Q8Interleaved";

    private WeightData(WeightFormat format, byte[] data, float[] scales, float[] values, int rows, int columns, bool interleaved = false)
    {
        IsInterleaved = interleaved;
        Format = format;
        Data = data;
        Scales = scales;
        Values = values;
        Rows = rows;
        Columns = columns;
    }

    public WeightFormat Format { get; }

    public bool IsInterleaved { get; }

    public byte[] Data { get; }

    public float[] Scales { get; }

    /// <summary>The decoded values, row-major.</summary>
    public float[] Values { get; }

    public int Rows { get; }

    public int Columns { get; }

    public WeightSpan Span => new(Format, Data, Scales, Rows, Columns, IsInterleaved);

    /// <summary>A matrix in the layout named by <paramref name="layout"/>: a <see cref="WeightFormat"/> name or <see cref="Interleaved"/>.</summary>
    public static WeightData Create(string layout, int rows, int columns, int seed, float scale = 0.1f)
    {
        if (layout != Interleaved)
        {
            return Create(Enum.Parse<WeightFormat>(layout), rows, columns, seed, scale);
        }

        var rowMajor = Create(WeightFormat.Q8, rows, columns, seed, scale);
        byte[] data = new byte[rowMajor.Data.Length];
        float[] scales = new float[rowMajor.Scales.Length];
        Q8InterleavedWeights.Interleave(rowMajor.Data, rowMajor.Scales, data, scales, columns, 0, rows);

        // Element (r, c) is byte (r/8)·8·columns + (c/32)·256 + (r%8)·32 + c%32, its scale at that index / 32.
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                int at = ((r / 8) * 8 * columns) + ((c / 32) * 256) + ((r % 8) * 32) + (c % 32);
                float value = (sbyte)data[at] * scales[at / 32];
                value.Should().Be(rowMajor.Values[(r * columns) + c], "the interleaved copy holds the same values");
            }
        }

        return new WeightData(WeightFormat.Q8, data, scales, rowMajor.Values, rows, columns, interleaved: true);
    }

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
