using Gpt2Kit.Gpt2.Kernels;

namespace Gpt2Kit.Gpt2.Tests.Kernels;

/// <summary>The output-layer kernel (<c>y[r, v] = x[r]·W[v]</c>) in every weight format and at every forced width against a naive reference over the decoded weights: input rows not a multiple of
/// four, widths with register and scalar tails, vocabulary ranges across the 64-row blocks.</summary>
public sealed class RowDotProductsTests
{
    public static TheoryData<string, string, int, int, int> Shapes()
    {
        var data = new TheoryData<string, string, int, int, int>();
        foreach (var width in SimdWidths.Forced)
        {
            foreach (var format in SimdWidths.Formats)
            {
                var shapes = format == WeightFormat.Q8
                    ? new[] { (1, 32, 1), (1, 64, 130), (3, 96, 7), (4, 96, 200), (6, 160, 129), (9, 32, 64) }
                    : new[] { (1, 1, 1), (1, 64, 130), (2, 47, 65), (3, 33, 7), (4, 96, 200), (6, 100, 129), (9, 17, 64) };
                foreach (var (rows, d, vocab) in shapes)
                {
                    data.Add(width.ToString(), format.ToString(), rows, d, vocab);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_reference(string widthName, string formatName, int rows, int d, int vocab)
    {
        var width = Enum.Parse<SimdWidth>(widthName);
        var format = Enum.Parse<WeightFormat>(formatName);
        float[] x = KernelData.Random(rows * d, 4);
        var w = WeightData.Create(format, vocab, d, 5, 1f);
        float[] y = Enumerable.Repeat(float.NaN, rows * vocab).ToArray();
        int start = vocab > 3 ? 1 : 0, end = vocab > 3 ? vocab - 1 : vocab;
        RowDotProducts.Compute(x, rows, w.Span, y, start, end, width);

        for (int r = 0; r < rows; r++)
        {
            for (int v = 0; v < vocab; v++)
            {
                float actual = y[(r * vocab) + v];
                if (v < start || v >= end)
                {
                    float.IsNaN(actual).Should().BeTrue("outside the range nothing is written");
                    continue;
                }

                double expected = 0;
                for (int i = 0; i < d; i++)
                {
                    expected += (double)x[(r * d) + i] * w.Values[(v * d) + i];
                }

                actual.Should().BeApproximately((float)expected, 1e-4f, $"row {r}, vocab {v}");
            }
        }
    }
}
