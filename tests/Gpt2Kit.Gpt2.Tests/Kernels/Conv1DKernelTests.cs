using Gpt2Kit.Gpt2.Kernels;

namespace Gpt2Kit.Gpt2.Tests.Kernels;

/// <summary>Both Conv1D kernels (<c>y = x·W + b</c>, W as <c>[in, out]</c>) against a naive reference, on odd sizes that
/// exercise every tail: rows not a multiple of 4, inner sizes around the 8-row group and the 256-row block, columns
/// around one register and one 4-register tile.</summary>
public sealed class Conv1DKernelTests
{
    public static TheoryData<string, int, int, int> Shapes()
    {
        var data = new TheoryData<string, int, int, int>();
        foreach (string width in new[] { "512", "256", "128", "scalar" })
        {
            foreach (var (rows, inner, columns) in new[] { (1, 1, 1), (1, 13, 17), (2, 8, 64), (3, 9, 65), (5, 31, 130), (8, 64, 192), (9, 300, 47), (17, 257, 200) })
            {
                data.Add(width, rows, inner, columns);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Streaming_kernel_matches_the_reference(string width, int rows, int inner, int columns)
    {
        if (!SimdWidths.IsAccelerated(width))
        {
            return;
        }

        var (x, w, b) = Operands(rows, inner, columns);
        float[] y = Enumerable.Repeat(float.NaN, rows * columns).ToArray();
        Run(width, streaming: true, x, rows, inner, w, columns, b, y, 0, inner, 0, columns);
        KernelData.MaxRelativeError(y, Reference(x, rows, inner, w, columns, b, 0, inner)).Should().BeLessThan(1e-5);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Tiled_kernel_matches_the_reference(string width, int rows, int inner, int columns)
    {
        if (!SimdWidths.IsAccelerated(width))
        {
            return;
        }

        var (x, w, b) = Operands(rows, inner, columns);
        float[] y = Enumerable.Repeat(float.NaN, rows * columns).ToArray();
        Run(width, streaming: false, x, rows, inner, w, columns, b, y, 0, inner, 0, columns);
        KernelData.MaxRelativeError(y, Reference(x, rows, inner, w, columns, b, 0, inner)).Should().BeLessThan(1e-5);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_column_range_writes_only_its_columns(bool streaming)
    {
        int rows = 3, inner = 21, columns = 100;
        var (x, w, b) = Operands(rows, inner, columns);
        float[] y = Enumerable.Repeat(float.NaN, rows * columns).ToArray();
        Run("512", streaming, x, rows, inner, w, columns, b, y, 0, inner, 16, 83);
        var expected = Reference(x, rows, inner, w, columns, b, 0, inner);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                float value = y[(r * columns) + c];
                if (c is >= 16 and < 83)
                {
                    value.Should().BeApproximately((float)expected[(r * columns) + c], 1e-4f);
                }
                else
                {
                    float.IsNaN(value).Should().BeTrue($"column {c} is outside the range");
                }
            }
        }
    }

    [Fact]
    public void Partial_sums_over_weight_row_ranges_add_up_to_the_product()
    {
        // The decode split: worker 0 takes rows 0..16 with the bias, worker 1 rows 16..37 without.
        int rows = 2, inner = 37, columns = 50;
        var (x, w, b) = Operands(rows, inner, columns);
        float[] first = new float[rows * columns], second = new float[rows * columns];
        Conv1DStreaming.Compute(x, rows, inner, w, columns, b, first, 0, 16, 0, columns);
        Conv1DStreaming.Compute(x, rows, inner, w, columns, default, second, 16, inner, 0, columns);
        var expectedFirst = Reference(x, rows, inner, w, columns, b, 0, 16);
        var expectedSecond = Reference(x, rows, inner, w, columns, null, 16, inner);
        KernelData.MaxRelativeError(first, expectedFirst).Should().BeLessThan(1e-5);
        KernelData.MaxRelativeError(second, expectedSecond).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Short_spans_are_rejected_before_any_write()
    {
        float[] y = new float[6];
        FluentActions.Invoking(() => Conv1DTiled.Compute(new float[5], 2, 3, new float[9], 3, default, y, 0, 3))
            .Should().Throw<ArgumentException>().WithMessage("input holds 5 floats; 6 are needed*");
        FluentActions.Invoking(() => Conv1DStreaming.Compute(new float[6], 2, 3, new float[9], 3, default, y, 0, 3, 0, 4))
            .Should().Throw<ArgumentOutOfRangeException>();
    }

    private static (float[] X, float[] W, float[] B) Operands(int rows, int inner, int columns) =>
        (KernelData.Random(rows * inner, 1), KernelData.Random(inner * columns, 2, 0.1f), KernelData.Random(columns, 3));

    private static double[] Reference(float[] x, int rows, int inner, float[] w, int columns, float[]? b, int kStart, int kEnd)
    {
        double[] y = new double[rows * columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                double sum = b?[c] ?? 0;
                for (int k = kStart; k < kEnd; k++)
                {
                    sum += (double)x[(r * inner) + k] * w[(k * columns) + c];
                }

                y[(r * columns) + c] = sum;
            }
        }

        return y;
    }

    private static void Run(string width, bool streaming, float[] x, int rows, int inner, float[] w, int columns, float[] b, float[] y,
        int kStart, int kEnd, int cStart, int cEnd)
    {
        switch (width, streaming)
        {
            case ("512", true): Conv1DStreaming.Compute<Simd512>(x, rows, inner, w, columns, b, y, kStart, kEnd, cStart, cEnd); break;
            case ("256", true): Conv1DStreaming.Compute<Simd256>(x, rows, inner, w, columns, b, y, kStart, kEnd, cStart, cEnd); break;
            case ("128", true): Conv1DStreaming.Compute<Simd128>(x, rows, inner, w, columns, b, y, kStart, kEnd, cStart, cEnd); break;
            case (_, true): Conv1DStreaming.Compute<SimdScalar>(x, rows, inner, w, columns, b, y, kStart, kEnd, cStart, cEnd); break;
            case ("512", false): Conv1DTiled.Compute<Simd512>(x, rows, inner, w, columns, b, y, cStart, cEnd); break;
            case ("256", false): Conv1DTiled.Compute<Simd256>(x, rows, inner, w, columns, b, y, cStart, cEnd); break;
            case ("128", false): Conv1DTiled.Compute<Simd128>(x, rows, inner, w, columns, b, y, cStart, cEnd); break;
            default: Conv1DTiled.Compute<SimdScalar>(x, rows, inner, w, columns, b, y, cStart, cEnd); break;
        }
    }
}
