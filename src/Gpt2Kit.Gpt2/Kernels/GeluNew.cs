using System.Numerics.Tensors;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>GPT-2's <c>gelu_new</c>, in place: <c>0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))</c> (the tanh form, not erf).</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class GeluNew
{
    private const int Chunk = 512;
    private static readonly float Scale = MathF.Sqrt(2f / MathF.PI);

    /// <summary>Applies the activation to every element of <paramref name="values"/>.</summary>
    public static void Apply(Span<float> values)
    {
        Span<float> t = stackalloc float[Chunk];
        for (int start = 0; start < values.Length; start += Chunk)
        {
            var x = values.Slice(start, Math.Min(Chunk, values.Length - start));
            var u = t[..x.Length];
            TensorPrimitives.Multiply(x, x, u);                 // x²
            TensorPrimitives.Multiply(u, Scale * 0.044715f, u);
            TensorPrimitives.Add(u, Scale, u);                  // √(2/π)·(1 + 0.044715·x²)
            TensorPrimitives.Multiply(u, x, u);                 // √(2/π)·(x + 0.044715·x³)
            TensorPrimitives.Tanh(u, u);
            TensorPrimitives.Add(u, 1f, u);
            TensorPrimitives.Multiply(u, x, x);
            TensorPrimitives.Multiply(x, 0.5f, x);
        }
    }
}
