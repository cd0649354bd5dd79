using System.Numerics.Tensors;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>LayerNorm over each row: <c>(x − mean) / √(biased variance + ε) · weight + bias</c>, as torch computes it.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class LayerNorm
{
    /// <summary>Normalizes <paramref name="rows"/> rows of <paramref name="width"/> floats; input and output may be the same span.</summary>
    public static void Compute(ReadOnlySpan<float> input, int rows, int width, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float epsilon, Span<float> output)
    {
        KernelArguments.RequireLength(input.Length, (long)rows * width, nameof(input));
        KernelArguments.RequireLength(output.Length, (long)rows * width, nameof(output));
        KernelArguments.RequireLength(weight.Length, width, nameof(weight));
        KernelArguments.RequireLength(bias.Length, width, nameof(bias));
        weight = weight[..width];
        bias = bias[..width];
        for (int r = 0; r < rows; r++)
        {
            var x = input.Slice(r * width, width);
            var y = output.Slice(r * width, width);
            float mean = TensorPrimitives.Sum(x) / width;
            TensorPrimitives.Subtract(x, mean, y);
            float variance = TensorPrimitives.SumOfSquares(y) / width;
            TensorPrimitives.Multiply(y, 1f / MathF.Sqrt(variance + epsilon), y);
            TensorPrimitives.MultiplyAdd(y, weight, bias, y);
        }
    }
}
