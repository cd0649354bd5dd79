using System.Numerics.Tensors;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>The sigmoid-gated activations, in place: <c>x·sigmoid(β·x)</c> — <c>silu</c> is β = 1, <c>quick_gelu</c> β = 1.702.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class SigmoidGate
{
    /// <summary>β of <c>quick_gelu</c>.</summary>
    public const float QuickGeluBeta = 1.702f;

    private const int Chunk = 512;

    /// <summary>Applies <c>x·sigmoid(β·x)</c> to every element of <paramref name="values"/>.</summary>
    public static void Apply(Span<float> values, float beta)
    {
        Span<float> gate = stackalloc float[Chunk];
        for (int start = 0; start < values.Length; start += Chunk)
        {
            var x = values.Slice(start, Math.Min(Chunk, values.Length - start));
            var u = gate[..x.Length];
            TensorPrimitives.Multiply(x, beta, u);
            TensorPrimitives.Sigmoid(u, u);
            TensorPrimitives.Multiply(x, u, x);
        }
    }
}
