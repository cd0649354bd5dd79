using Gpt2Kit.Gpt2.Kernels;

namespace Gpt2Kit.Gpt2.Tests.Kernels;

/// <summary>The random-checkpoint generator: normal with the requested spread, reproducible, independent of how it is split.</summary>
public sealed class GaussianFillTests
{
    [Fact]
    public void Values_have_the_requested_mean_and_standard_deviation()
    {
        float[] values = new float[200_000];
        GaussianFill.Fill(values, 0, seed: 3, stream: 1, std: 0.02f);
        double mean = values.Average(v => (double)v);
        double std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        mean.Should().BeApproximately(0, 0.0005);
        std.Should().BeApproximately(0.02, 0.0005);
        values.Count(v => Math.Abs(v) > 0.04).Should().BeInRange(8000, 10200, "about 4.6% of a normal lies beyond 2σ");
    }

    [Fact]
    public void The_same_seed_gives_the_same_values_whichever_way_they_are_split()
    {
        int block = GaussianFill.BlockSize;
        float[] whole = new float[(3 * block) + 5];
        GaussianFill.Fill(whole, 0, seed: 9, stream: 4, std: 1f);
        float[] tail = new float[block + 5];
        GaussianFill.Fill(tail, 2L * block, seed: 9, stream: 4, std: 1f);
        tail.Should().Equal(whole[(2 * block)..]);

        float[] otherSeed = new float[16], otherStream = new float[16];
        GaussianFill.Fill(otherSeed, 0, seed: 10, stream: 4, std: 1f);
        GaussianFill.Fill(otherStream, 0, seed: 9, stream: 5, std: 1f);
        otherSeed.Should().NotEqual(whole[..16]);
        otherStream.Should().NotEqual(whole[..16]);
    }
}
