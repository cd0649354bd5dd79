namespace Gpt2Kit.Gpt2.SafeTensors;

/// <summary>The element types a GPT-2 checkpoint may store its weights in.</summary>
/// <remarks>An enumeration; thread-safe.</remarks>
public enum SafeTensorsDType
{
    /// <summary><c>F32</c>: used in place from the memory-mapped file.</summary>
    F32,

    /// <summary><c>F16</c>: widened to fp32 once at load, as Hugging Face does for an fp32 model.</summary>
    F16,

    /// <summary><c>BF16</c>: widened to fp32 once at load.</summary>
    BF16,
}

/// <summary>Names and sizes of every safetensors dtype, so that headers holding other types (e.g. <c>BOOL</c> buffers) still validate.</summary>
internal static class SafeTensorsDTypes
{
    /// <summary>The dtypes this backend computes with.</summary>
    public const string SupportedList = "F32, F16, BF16";

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
        _ => null,
    };

    /// <summary>The header name of a supported dtype.</summary>
    public static string Name(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F32 => "F32",
        SafeTensorsDType.F16 => "F16",
        SafeTensorsDType.BF16 => "BF16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>The size in bytes of one element of a supported dtype.</summary>
    public static int ElementSize(SafeTensorsDType dtype) => dtype == SafeTensorsDType.F32 ? 4 : 2;
}
