namespace Gpt2Kit.TorchSharp;

/// <summary>The element type the TorchSharp backend computes in. Logits always come back as fp32.</summary>
/// <remarks>An enumeration; thread-safe.</remarks>
public enum TorchDType
{
    /// <summary><c>f32</c>: single precision, matching Hugging Face's fp32 results (the fixtures' tolerance).</summary>
    F32,

    /// <summary><c>bf16</c>: bfloat16 weights, activations and KV cache; about half the memory, faster on recent CPUs and GPUs.</summary>
    BF16,

    /// <summary><c>f16</c>: half precision; meant for CUDA (libtorch's CPU kernels for f16 are slow).</summary>
    F16,
}
