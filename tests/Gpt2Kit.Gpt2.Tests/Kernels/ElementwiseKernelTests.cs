using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Tests.Support;

namespace Gpt2Kit.Gpt2.Tests.Kernels;

/// <summary>LayerNorm, the activations and softmax against their formulas in double precision (lengths with tails and
/// more than one 512-float chunk).</summary>
public sealed class ElementwiseKernelTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 17)]
    [InlineData(2, 768)]
    public void LayerNorm_matches_the_biased_variance_formula(int rows, int width)
    {
        float[] x = KernelData.Random(rows * width, 9, 3f), weight = KernelData.Random(width, 10), bias = KernelData.Random(width, 11);
        float[] y = new float[rows * width];
        LayerNorm.Compute(x, rows, width, weight, bias, 1e-5f, y);
        double[] expected = new double[rows * width];
        for (int r = 0; r < rows; r++)
        {
            var row = x.Skip(r * width).Take(width).Select(v => (double)v).ToArray();
            double mean = row.Average();
            double variance = row.Select(v => (v - mean) * (v - mean)).Average();
            for (int i = 0; i < width; i++)
            {
                expected[(r * width) + i] = ((row[i] - mean) / Math.Sqrt(variance + 1e-5) * weight[i]) + bias[i];
            }
        }

        KernelData.MaxRelativeError(y, expected).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void LayerNorm_can_work_in_place()
    {
        float[] x = KernelData.Random(40, 12);
        float[] copy = (float[])x.Clone();
        float[] y = new float[40];
        float[] ones = Enumerable.Repeat(1f, 40).ToArray();
        LayerNorm.Compute(x, 1, 40, ones, new float[40], 1e-5f, y);
        LayerNorm.Compute(copy, 1, 40, ones, new float[40], 1e-5f, copy);
        copy.Should().Equal(y);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public void GeluNew_is_the_tanh_approximation(int length)
    {
        float[] x = KernelData.Random(length, 13, 6f);
        float[] y = (float[])x.Clone();
        GeluNew.Apply(y);
        double c = Math.Sqrt(2 / Math.PI);
        KernelData.MaxRelativeError(y, x.Select(v => 0.5 * v * (1 + Math.Tanh(c * (v + (0.044715 * v * v * v))))).ToArray()).Should().BeLessThan(1e-6);
    }

    [Fact]
    public void Relu_silu_and_quick_gelu_follow_their_formulas()
    {
        float[] x = KernelData.Random(700, 14, 8f);
        Check(Gpt2Activation.Relu, v => Math.Max(v, 0));
        Check(Gpt2Activation.Silu, v => v / (1 + Math.Exp(-v)));
        Check(Gpt2Activation.QuickGelu, v => v / (1 + Math.Exp(-1.702 * v)));
        Check(Gpt2Activation.Gelu, v => v * ReferenceMath.NormalCdf(v));
        Check(Gpt2Activation.GeluNew, v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + (0.044715 * v * v * v)))));

        void Check(Gpt2Activation activation, Func<double, double> formula)
        {
            float[] y = (float[])x.Clone();
            Activations.Apply(activation, y);
            KernelData.MaxRelativeError(y, x.Select(v => formula(v)).ToArray()).Should().BeLessThan(1e-6, activation.ToString());
        }
    }

    [Fact]
    public void Softmax_subtracts_the_maximum_and_maps_negative_infinity_to_zero()
    {
        float[] values = [1000f, 999f, float.NegativeInfinity, float.MinValue, 998f];
        Softmax.Apply(values);
        double sum = Math.Exp(0) + Math.Exp(-1) + Math.Exp(-2);
        values.Should().Equal(new[] { (float)(1 / sum), (float)(Math.Exp(-1) / sum), 0f, 0f, (float)(Math.Exp(-2) / sum) },
            (a, b) => Math.Abs(a - b) < 1e-6f);
    }
}
