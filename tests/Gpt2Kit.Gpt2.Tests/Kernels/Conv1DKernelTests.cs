using Gpt2Kit.Gpt2.Kernels;

namespace Gpt2Kit.Gpt2.Tests.Kernels;

/// <summary>Both Conv1D kernels (<c>y = x·W + b</c>, W as <c>[in, out]</c>) in every weight format and at every forced SIMD
/// width against a naive reference over the decoded weights, on odd sizes that exercise every tail: rows around the
/// 6-row tile, the 8-row decode limit and the 48-row block, inner sizes around the 8-row group and the 256-row block,
/// columns around one register and one two-register tile (q8 rows are a multiple of its 32-value blocks).</summary>
public sealed class Conv1DKernelTests
{
    public static TheoryData<string, string, int, int, int> Shapes()
    {
        var data = new TheoryData<string, string, int, int, int>();
        foreach (var width in SimdWidths.Forced)
        {
            foreach (var layout in SimdWidths.Conv1DLayouts)
            {
                var shapes = layout switch
                {
                    nameof(WeightFormat.Q8) => new[] { (1, 1, 32), (2, 8, 64), (3, 9, 96), (7, 31, 160), (8, 64, 192), (13, 300, 64), (17, 257, 224), (53, 40, 160) },
                    WeightData.Interleaved => new[] { (1, 8, 32), (2, 8, 64), (3, 16, 96), (7, 32, 160), (8, 64, 192), (13, 304, 64), (17, 256, 224), (53, 40, 160) },
                    _ => new[] { (1, 1, 1), (1, 13, 17), (2, 8, 64), (3, 9, 65), (7, 31, 130), (8, 64, 192), (13, 300, 47), (17, 257, 200), (53, 40, 150) },
                };
                foreach (var (rows, inner, columns) in shapes)
                {
                    data.Add(width.ToString(), layout, rows, inner, columns);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Streaming_kernel_matches_the_reference(string widthName, string formatName, int rows, int inner, int columns)
    {
        var width = Enum.Parse<SimdWidth>(widthName);
        var (x, w, b) = Operands(formatName, rows, inner, columns);
        float[] y = Enumerable.Repeat(float.NaN, rows * columns).ToArray();
        Conv1DStreaming.Compute(x, rows, w.Span, b, y, 0, inner, 0, columns, width);
        KernelData.MaxRelativeError(y, Reference(x, rows, w, b, 0, inner)).Should().BeLessThan(1e-5);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Tiled_kernel_matches_the_reference(string widthName, string formatName, int rows, int inner, int columns)
    {
        var width = Enum.Parse<SimdWidth>(widthName);
        var (x, w, b) = Operands(formatName, rows, inner, columns);
        float[] y = Enumerable.Repeat(float.NaN, rows * columns).ToArray();
        Conv1DTiled.Compute(x, rows, w.Span, b, y, 0, columns, width);
        KernelData.MaxRelativeError(y, Reference(x, rows, w, b, 0, inner)).Should().BeLessThan(1e-5);
    }

    [Theory]
    [InlineData(true, nameof(WeightFormat.F32))]
    [InlineData(false, nameof(WeightFormat.F32))]
    [InlineData(true, nameof(WeightFormat.Q8))]
    [InlineData(false, nameof(WeightFormat.Q8))]
    [InlineData(true, WeightData.Interleaved)]
    [InlineData(false, WeightData.Interleaved)]
    public void A_column_range_writes_only_its_columns(bool streaming, string formatName)
    {
        int rows = 9, inner = formatName == WeightData.Interleaved ? 24 : 21, columns = 128, start = 32, end = 83;
        var (x, w, b) = Operands(formatName, rows, inner, columns);
        float[] y = Enumerable.Repeat(float.NaN, rows * columns).ToArray();
        if (streaming)
        {
            Conv1DStreaming.Compute(x, rows, w.Span, b, y, 0, inner, start, end, SimdWidth.V512);
        }
        else
        {
            Conv1DTiled.Compute(x, rows, w.Span, b, y, start, end, SimdWidth.V512);
        }

        var expected = Reference(x, rows, w, b, 0, inner);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                float value = y[(r * columns) + c];
                if (c >= start && c < end)
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

    [Theory]
    [InlineData(nameof(WeightFormat.F32))]
    [InlineData(nameof(WeightFormat.F16))]
    [InlineData(nameof(WeightFormat.Q8))]
    [InlineData(WeightData.Interleaved)]
    public void Partial_sums_over_weight_row_ranges_add_up_to_the_product(string formatName)
    {
        // The decode split: worker 0 takes rows 0..16 with the bias, worker 1 rows 16..37 (40 when interleaved) without.
        int rows = 2, inner = formatName == WeightData.Interleaved ? 40 : 37, columns = 64;
        var (x, w, b) = Operands(formatName, rows, inner, columns);
        float[] first = new float[rows * columns], second = new float[rows * columns];
        Conv1DStreaming.Compute(x, rows, w.Span, b, first, 0, 16, 0, columns);
        Conv1DStreaming.Compute(x, rows, w.Span, default, second, 16, inner, 0, columns);
        KernelData.MaxRelativeError(first, Reference(x, rows, w, b, 0, 16)).Should().BeLessThan(1e-5);
        KernelData.MaxRelativeError(second, Reference(x, rows, w, null, 16, inner)).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Short_spans_and_bad_ranges_are_rejected_before_any_write()
    {
        float[] y = new float[6];
        FluentActions.Invoking(() => Conv1DTiled.Compute(new float[5], 2, WeightSpan.F32(new float[9], 3, 3), default, y, 0, 3))
            .Should().Throw<ArgumentException>().WithMessage("input holds 5 floats; 6 are needed*");
        FluentActions.Invoking(() => Conv1DStreaming.Compute(new float[6], 2, WeightSpan.F32(new float[9], 3, 3), default, y, 0, 3, 0, 4))
            .Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => WeightSpan.F32(new float[8], 3, 3))
            .Should().Throw<ArgumentException>().WithMessage("weight holds 32 bytes; 3 × 3 f32 values need 36*");
        var q8 = WeightData.Create(WeightFormat.Q8, 2, 64, 1);
        FluentActions.Invoking(() => Conv1DTiled.Compute(new float[4], 2, q8.Span, default, new float[128], 16, 64))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*q8 column ranges start on a block of 32*");
        FluentActions.Invoking(() => new WeightSpan(WeightFormat.Q8, new byte[40], new float[2], 1, 40))
            .Should().Throw<ArgumentException>().WithMessage("q8 rows must be a multiple of 32 long*");
        FluentActions.Invoking(() => new WeightSpan(WeightFormat.Q8, new byte[128], new float[4], 4, 32, interleaved: true))
            .Should().Throw<ArgumentException>().WithMessage("only q8 matrices with a multiple of 8 rows are interleaved; this one is q8 with 4 rows*");
        FluentActions.Invoking(() => new WeightSpan(WeightFormat.F32, new byte[1024], default, 8, 32, interleaved: true))
            .Should().Throw<ArgumentException>().WithMessage("only q8 matrices*this one is f32*");
        var interleaved = WeightData.Create(WeightData.Interleaved, 16, 64, 1);
        FluentActions.Invoking(() => Conv1DStreaming.Compute(new float[16], 1, interleaved.Span, default, new float[64], 4, 16, 0, 64))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*whole groups of 8 weight rows*");
        FluentActions.Invoking(() => RowDotProducts.Compute(new float[64], 1, interleaved.Span, new float[16], 0, 16))
            .Should().Throw<ArgumentException>().WithMessage("the output layer reads row-major weights*");
    }

    private static (float[] X, WeightData W, float[] B) Operands(string layout, int rows, int inner, int columns) =>
        (KernelData.Random(rows * inner, 1), WeightData.Create(layout, inner, columns, 2), KernelData.Random(columns, 3));

    private static double[] Reference(float[] x, int rows, WeightData w, float[]? b, int kStart, int kEnd)
    {
        int inner = w.Rows, columns = w.Columns;
        double[] y = new double[rows * columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                double sum = b?[c] ?? 0;
                for (int k = kStart; k < kEnd; k++)
                {
                    sum += (double)x[(r * inner) + k] * w.Values[(k * columns) + c];
                }

                y[(r * columns) + c] = sum;
            }
        }

        return y;
    }
}
