namespace Gpt2Kit.Gpt2.SafeTensors;

/// <summary>The element types a GPT-2 checkpoint may store its weights in.</summary>
/// <remarks>An enumeration; thread-safe.</remarks>
public enum SafeTensorsDType
{
    /// <summary><c>F32</c>.</summary>
    F32,

    /// <summary><c>F16</c>: used in place as f16 (widened in registers), unless another format is asked for.</summary>
    F16,

    /// <summary><c>BF16</c>: used in place as bf16 (widened in registers), unless another format is asked for.</summary>
    BF16,

    /// <summary><c>I8</c>: the data of a q8 matrix, whose block scales are the F32 tensor <c>key.q8_scales</c> (written by
    /// <see cref="Gpt2Model.Save"/>).</summary>
    I8,
}

/// <summary>Names and sizes of every safetensors dtype, so that headers holding other types (e.g. <c>BOOL</c> buffers) still validate.</summary>
internal static class SafeTensorsDTypes
{
    /// <summary>The dtypes this backend computes with.</summary>
    public const string SupportedList = "F32, F16, BF16, I8 (q8 with scales)";

    private static readonly Dictionary<string, int> ElementSizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    /// <summary>The size in bytes of one element, or 0 when <paramref name="name"/> is not a safetensors dtype.</summary>
    public static int ElementSize(string name) => ElementSizes.GetValueOrDefault(name);

    /// <summary>The dtype this backend can compute with, if <paramref name="name"/> is one.</summary>
    public static SafeTensorsDType? TryParseSupported(string name) => name switch
    {
        "F32" => SafeTensorsDType.F32,
        "F16" => SafeTensorsDType.F16,
        "BF16" => SafeTensorsDType.BF16,
        "I8" => SafeTensorsDType.I8,
        _ => null,
    };

    /// <summary>The header name of a supported dtype.</summary>
    public static string Name(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F32 => "F32",
        SafeTensorsDType.F16 => "F16",
        SafeTensorsDType.BF16 => "BF16",
        SafeTensorsDType.I8 => "I8",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>The size in bytes of one element of a supported dtype.</summary>
    public static int ElementSize(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F32 => 4,
        SafeTensorsDType.I8 => 1,
        _ => 2,
    };
}
