using Gpt2Kit.Models;

namespace Gpt2Kit.TorchSharp;

/// <summary>Where and in which precision the TorchSharp backend runs a model.</summary>
/// <remarks>Mutable; not thread-safe while being changed. The loader copies what it needs at load.</remarks>
public sealed class TorchSharpOptions
{
    /// <summary>The device: <c>cpu</c>, <c>cuda</c> (the first GPU), <c>cuda:N</c>, or <c>auto</c> (the first GPU when CUDA
    /// libtorch and a GPU are present, else the CPU). Only <c>auto</c> falls back; asking for CUDA where it is not available
    /// is an error. Default: <c>auto</c>.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>The compute precision. Default: <see cref="TorchDType.F32"/>.</summary>
    public TorchDType DType { get; set; } = TorchDType.F32;

    /// <summary>Parses a dtype name: <c>f32</c> (<c>float32</c>, <c>fp32</c>), <c>bf16</c> (<c>bfloat16</c>), <c>f16</c> (<c>float16</c>, <c>fp16</c>, <c>half</c>).</summary>
    /// <exception cref="ModelLoadException"><paramref name="name"/> is none of them.</exception>
    public static TorchDType ParseDType(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "f32" or "fp32" or "float32" or "float" => TorchDType.F32,
            "bf16" or "bfloat16" => TorchDType.BF16,
            "f16" or "fp16" or "float16" or "half" => TorchDType.F16,
            _ => throw new ModelLoadException($"dtype '{name}' is not supported by the torchsharp backend; expected f32, bf16 or f16."),
        };
    }

    /// <summary>A copy with <see cref="ModelLoadOptions.Device"/> and <see cref="ModelLoadOptions.DType"/> applied over these defaults.</summary>
    internal TorchSharpOptions With(ModelLoadOptions? load) => new()
    {
        Device = string.IsNullOrWhiteSpace(load?.Device) ? Device : load.Device,
        DType = string.IsNullOrWhiteSpace(load?.DType) ? DType : ParseDType(load.DType),
    };
}
