using System.Numerics.Tensors;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary><c>quick_gelu</c>, in place: <c>x·sigmoid(1.702·x)</c>.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class QuickGelu
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
            TensorPrimitives.Multiply(x, 1.702f, u);
            TensorPrimitives.Sigmoid(u, u);
            TensorPrimitives.Multiply(x, u, x);
        }
    }
}
