using System.Numerics.Tensors;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary><c>silu</c>, in place: <c>x·sigmoid(x)</c>.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class Silu
{
    private const int Chunk = 512;

    /// <summary>Applies the activation to every element of <paramref name="values"/>.</summary>
    public static void Apply(Span<float> values)
    {
        Span<float> t = stackalloc float[Chunk];
        for (int start = 0; start < values.Length; start += Chunk)
        {
            var x = values.Slice(start, Math.Min(Chunk, values.Length - start));
            var u = t[..x.Length];
            TensorPrimitives.Sigmoid(x, u);
            TensorPrimitives.Multiply(x, u, x);
        }
    }
}
