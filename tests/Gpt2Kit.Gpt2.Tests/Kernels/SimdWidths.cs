using Gpt2Kit.Gpt2.Kernels;

namespace Gpt2Kit.Gpt2.Tests.Kernels;

/// <summary>The SIMD widths the kernels can be specialized for, and which of them this machine runs.</summary>
public static class SimdWidths
{
    public static TheoryData<string> All => new() { "512", "256", "128", "scalar" };

    /// <summary>Whether <paramref name="width"/> runs here (an unaccelerated width would still be correct, only slow).</summary>
    public static bool IsAccelerated(string width) => width switch
    {
        "512" => Simd512.IsHardwareAccelerated,
        "256" => Simd256.IsHardwareAccelerated,
        "128" => Simd128.IsHardwareAccelerated,
        _ => true,
    };
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
