using Gpt2Kit.Gpt2.Kernels;

namespace Gpt2Kit.Gpt2.Tests.Kernels;

/// <summary>The output-layer kernel (<c>y[r, v] = x[r]·W[v]</c>) against a naive reference: input rows not a multiple of
/// four, widths with register and scalar tails, vocabulary ranges across the 64-row blocks.</summary>
public sealed class RowDotProductsTests
{
    public static TheoryData<string, int, int, int> Shapes()
    {
        var data = new TheoryData<string, int, int, int>();
        foreach (string width in new[] { "512", "256", "128", "scalar" })
        {
            foreach (var (rows, d, vocab) in new[] { (1, 1, 1), (1, 64, 130), (2, 47, 65), (3, 33, 7), (4, 96, 200), (6, 100, 129), (9, 17, 64) })
            {
                data.Add(width, rows, d, vocab);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_reference(string width, int rows, int d, int vocab)
    {
        if (!SimdWidths.IsAccelerated(width))
        {
            return;
        }

        float[] x = KernelData.Random(rows * d, 4), w = KernelData.Random(vocab * d, 5);
        float[] y = Enumerable.Repeat(float.NaN, rows * vocab).ToArray();
        int start = vocab > 3 ? 1 : 0, end = vocab > 3 ? vocab - 1 : vocab;
        switch (width)
        {
            case "512": RowDotProducts.Compute<Simd512>(x, rows, d, w, vocab, y, start, end); break;
            case "256": RowDotProducts.Compute<Simd256>(x, rows, d, w, vocab, y, start, end); break;
            case "128": RowDotProducts.Compute<Simd128>(x, rows, d, w, vocab, y, start, end); break;
            default: RowDotProducts.Compute<SimdScalar>(x, rows, d, w, vocab, y, start, end); break;
        }

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
                    expected += (double)x[(r * d) + i] * w[(v * d) + i];
                }

                actual.Should().BeApproximately((float)expected, 1e-4f, $"row {r}, vocab {v}");
            }
        }
    }
}
