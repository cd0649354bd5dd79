using TorchSharp;

namespace Gpt2Kit.TorchSharp.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Libtorch_loads_and_multiplies()
    {
        using var a = torch.ones(2, 3);
        using var b = torch.ones(3, 4);
        using var c = torch.matmul(a, b);
        c[0, 0].item<float>().Should().Be(3f);
    }
}
