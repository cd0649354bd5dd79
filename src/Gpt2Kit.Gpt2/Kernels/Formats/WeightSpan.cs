using System.Runtime.InteropServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>A row-major <c>[rows, columns]</c> weight matrix in one <see cref="WeightFormat"/>: its bytes and, for
/// <see cref="WeightFormat.Q8"/>, its scales, which may be stored interleaved (<see cref="Q8InterleavedWeights"/>). The
/// lengths are checked once here, so kernels index without checks.</summary>
internal readonly ref struct WeightSpan
{
    /// <summary>Wraps <paramref name="data"/> (and <paramref name="scales"/>) as a matrix.</summary>
    /// <exception cref="ArgumentException">The spans are shorter than the shape needs.</exception>
    public WeightSpan(WeightFormat format, ReadOnlySpan<byte> data, ReadOnlySpan<float> scales, int rows, int columns, bool interleaved = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        long elements = (long)rows * columns;
        if (data.Length < elements * WeightFormats.ElementSize(format))
        {
            throw new ArgumentException($"weight holds {data.Length} bytes; {rows} × {columns} {WeightFormats.Name(format)} values need {elements * WeightFormats.ElementSize(format)}.", nameof(data));
        }

        if (scales.Length < WeightFormats.ScaleCount(format, elements))
        {
            throw new ArgumentException($"weight has {scales.Length} scales; {rows} × {columns} q8 values need {WeightFormats.ScaleCount(format, elements)}.", nameof(scales));
        }

        if (format == WeightFormat.Q8 && columns % Q8Weights.BlockSize != 0)
        {
            throw new ArgumentException($"q8 rows must be a multiple of {Q8Weights.BlockSize} long; this matrix has {columns} columns.", nameof(columns));
        }

        if (interleaved && (format != WeightFormat.Q8 || rows % Q8InterleavedWeights.GroupRows != 0))
        {
            throw new ArgumentException(
                $"only q8 matrices with a multiple of {Q8InterleavedWeights.GroupRows} rows are interleaved; this one is {WeightFormats.Name(format)} with {rows} rows.",
                nameof(interleaved));
        }

        Format = format;
        Interleaved = interleaved;
        Data = data;
        Scales = scales;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>The storage format.</summary>
    public WeightFormat Format { get; }

    /// <summary>Whether the rows are stored in interleaved groups of eight (<see cref="Q8InterleavedWeights"/>).</summary>
    public bool Interleaved { get; }

    /// <summary>The elements' bytes.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The block scales (empty unless <see cref="WeightFormat.Q8"/>).</summary>
    public ReadOnlySpan<float> Scales { get; }

    /// <summary>Rows of the matrix.</summary>
    public int Rows { get; }

    /// <summary>Columns of the matrix (the row length).</summary>
    public int Columns { get; }

    /// <summary>An fp32 matrix over <paramref name="values"/>.</summary>
    public static WeightSpan F32(ReadOnlySpan<float> values, int rows, int columns) =>
        new(WeightFormat.F32, MemoryMarshal.AsBytes(values), default, rows, columns);

    /// <summary>The first byte, for unchecked indexing.</summary>
    public ref byte DataReference => ref MemoryMarshal.GetReference(Data);

    /// <summary>The first scale, for unchecked indexing (a dummy reference when there are none).</summary>
    public ref float ScalesReference => ref MemoryMarshal.GetReference(Scales);
}
