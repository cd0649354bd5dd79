using System.Numerics.Tensors;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>Softmax in place, with the maximum subtracted first so large scores do not overflow
/// (<see cref="TensorPrimitives.SoftMax{T}(ReadOnlySpan{T}, Span{T})"/> does not subtract it).</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class Softmax
{
    /// <summary>Replaces <paramref name="values"/> with <c>exp(v − max) / Σ exp(v − max)</c>. Entries of −∞ become 0.</summary>
    public static void Apply(Span<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        float max = TensorPrimitives.Max(values);
        TensorPrimitives.Subtract(values, max, values);
        TensorPrimitives.Exp(values, values);
        TensorPrimitives.Divide(values, TensorPrimitives.Sum(values), values);
    }
}
