using Gpt2Kit.Gpt2.Kernels;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>A weight matrix <c>[rows, columns]</c> in native memory (the mapped file or a converted copy) in one
/// <see cref="WeightFormat"/>.</summary>
/// <remarks>Immutable; thread-safe to read while the owning <see cref="Gpt2Weights"/> lives.</remarks>
internal readonly unsafe struct WeightMatrix
{
    public WeightFormat Format { get; init; }

    public byte* Data { get; init; }

    /// <summary>The q8 block scales, or null.</summary>
    public float* Scales { get; init; }

    public int Rows { get; init; }

    public int Columns { get; init; }

    /// <summary>Whether a q8 matrix's rows are stored in interleaved groups of eight (<see cref="Q8InterleavedWeights"/>).</summary>
    public bool Interleaved { get; init; }

    public long DataBytes => (long)Rows * Columns * WeightFormats.ElementSize(Format);

    public long ScaleCount => WeightFormats.ScaleCount(Format, (long)Rows * Columns);

    /// <summary>Bytes of data and scales.</summary>
    public long Bytes => DataBytes + (ScaleCount * sizeof(float));

    public WeightSpan AsSpan() => new(Format, new ReadOnlySpan<byte>(Data, checked((int)DataBytes)),
        new ReadOnlySpan<float>(Scales, checked((int)ScaleCount)), Rows, Columns, Interleaved);
}
