using Gpt2Kit.Gpt2.Kernels;

namespace Gpt2Kit.Gpt2.Tests.Kernels;

/// <summary>The SIMD widths the kernels can be forced to. Every one is tested on every machine: a width the CPU lacks
/// (e.g. 512 bits on an AVX2 machine) runs in software, correctly, only slowly; the tests' shapes are small.</summary>
public static class SimdWidths
{
    internal static SimdWidth[] Forced => [SimdWidth.V512, SimdWidth.V256, SimdWidth.V128, SimdWidth.Scalar];

    internal static WeightFormat[] Formats => [WeightFormat.F32, WeightFormat.BF16, WeightFormat.F16, WeightFormat.Q8];

    /// <summary>How the Conv1D kernels' weights can be held: each format, and q8 interleaved (<see cref="WeightData.Interleaved"/>).</summary>
    internal static string[] Conv1DLayouts => [.. Formats.Select(f => f.ToString()), WeightData.Interleaved];
}

/// <summary>Seeded test data and naive double-precision references.</summary>
public static class KernelData
{
    public static float[] Random(int count, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1) * scale).ToArray();
    }

    /// <summary>The largest |a − b| / (1 + |b|).</summary>
    public static double MaxRelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        actual.Length.Should().Be(expected.Length);
        double max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            max = Math.Max(max, Math.Abs(actual[i] - expected[i]) / (1 + Math.Abs(expected[i])));
        }

        return max;
    }
}
