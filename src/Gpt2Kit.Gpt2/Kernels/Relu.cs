using System.Numerics.Tensors;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary><c>relu</c>, in place: <c>max(x, 0)</c>.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class Relu
{
    /// <summary>Applies the activation to every element of <paramref name="values"/>.</summary>
    public static void Apply(Span<float> values) => TensorPrimitives.Max(values, 0f, values);
}
