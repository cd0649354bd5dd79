namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>How a weight matrix is stored in memory; every kernel computes in fp32 registers from each of them.</summary>
internal enum WeightFormat
{
    /// <summary>fp32.</summary>
    F32,

    /// <summary>bfloat16 (the upper half of an fp32), widened exactly in registers.</summary>
    BF16,

    /// <summary>IEEE half precision, widened exactly in registers.</summary>
    F16,

    /// <summary>8-bit integers with one fp32 scale per block of <see cref="Q8Weights.BlockSize"/> consecutive elements
    /// (row-major, so a block never crosses a row when the row length is a multiple of the block).</summary>
    Q8,
}

/// <summary>Names and sizes of the weight formats.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class WeightFormats
{
    /// <summary>The names <see cref="TryParse"/> accepts, for messages.</summary>
    public const string Names = "f32, bf16, f16, q8";

    /// <summary>The lower-case name (<c>f32</c>, <c>bf16</c>, <c>f16</c>, <c>q8</c>).</summary>
    public static string Name(WeightFormat format) => format switch
    {
        WeightFormat.F32 => "f32",
        WeightFormat.BF16 => "bf16",
        WeightFormat.F16 => "f16",
        WeightFormat.Q8 => "q8",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown weight format."),
    };

    /// <summary>The format named <paramref name="name"/> (case-insensitive; <c>float32</c>, <c>float16</c>, <c>bfloat16</c>
    /// and <c>int8</c> too), or null.</summary>
    public static WeightFormat? TryParse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "f32" or "fp32" or "float32" => WeightFormat.F32,
        "bf16" or "bfloat16" => WeightFormat.BF16,
        "f16" or "fp16" or "float16" or "half" => WeightFormat.F16,
        "q8" or "q8_0" or "int8" => WeightFormat.Q8,
        _ => null,
    };

    /// <summary>Bytes of one element's data (scales not counted).</summary>
    public static int ElementSize(WeightFormat format) => format switch
    {
        WeightFormat.F32 => 4,
        WeightFormat.BF16 or WeightFormat.F16 => 2,
        _ => 1,
    };

    /// <summary>Scales a matrix of <paramref name="elements"/> elements has (0 unless <see cref="WeightFormat.Q8"/>).</summary>
    public static long ScaleCount(WeightFormat format, long elements) =>
        format == WeightFormat.Q8 ? (elements + Q8Weights.BlockSize - 1) / Q8Weights.BlockSize : 0;
}
