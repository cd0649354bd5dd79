using Gpt2Kit.Hub;

namespace Gpt2Kit.Hub.Tests;

public sealed class HuggingFaceHubOptionsTests
{
    private static HuggingFaceHubOptions From(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return HuggingFaceHubOptions.FromEnvironment(name => map.GetValueOrDefault(name));
    }

    [Fact]
    public void CacheDirectory_PrefersHfHubCache_ThenHfHomeHub_ThenXdgCache_ThenTheUserCache()
    {
        From(("HF_HUB_CACHE", "/a/cache"), ("HF_HOME", "/b")).GetEffectiveCacheDirectory().Should().Be(Path.GetFullPath("/a/cache"));
        From(("HF_HOME", "/b"), ("XDG_CACHE_HOME", "/x")).GetEffectiveCacheDirectory().Should().Be(Path.GetFullPath("/b/hub"));
        From(("XDG_CACHE_HOME", "/x")).GetEffectiveCacheDirectory().Should().Be(Path.GetFullPath("/x/huggingface/hub"));
        From().GetEffectiveCacheDirectory().Should().Be(Path.Combine(
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface", "hub"));
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("YES", true)]
    [InlineData("on", true)]
    [InlineData("0", false)]
    [InlineData("", false)]
    public void Offline_FollowsHfHubOffline(string value, bool offline) =>
        From(("HF_HUB_OFFLINE", value)).Offline.Should().Be(offline);

    [Fact]
    public void Endpoint_DefaultsToTheHub_AndReadsHfEndpoint()
    {
        From().Endpoint.Should().Be(new Uri("https://huggingface.co"));
        From(("HF_ENDPOINT", "https://hf-mirror.example/")).Endpoint.Should().Be(new Uri("https://hf-mirror.example/"));
    }

    [Fact]
    public void Endpoint_ThatIsNotAnHttpUrl_IsRejectedNamingTheVariable()
    {
        var act = () => From(("HF_ENDPOINT", "ftp://x"));
        act.Should().Throw<ArgumentException>().WithMessage("*HF_ENDPOINT*ftp://x*http*");
    }
}
