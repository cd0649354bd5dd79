using System.Net;
using System.Net.Sockets;
using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Gpt2Kit.Hub;
using Gpt2Kit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Hub.Tests;

/// <summary>The model name <c>demo</c>: the repository's trained checkpoint, wherever a model location is taken, and the
/// name the errors suggest when a hub model cannot be had.</summary>
public sealed class DemoModelTests : IDisposable
{
    private readonly TempFolder _cache = new("gpt2kit-demo-cache");

    public void Dispose() => _cache.Dispose();

    [Fact]
    public async Task The_name_demo_resolves_to_the_repository_checkpoint_as_a_folder()
    {
        string expected = Path.GetFullPath(FixturePaths.Checkpoint(FixturePaths.DemoCheckpoint));

        var resolved = await ModelLocation.ResolveAsync("demo", Offline());

        resolved.Path.Should().Be(expected);
        resolved.Name.Should().Be("demo");
        resolved.Source.Should().Be(ModelSource.Folder);
        ModelLocation.Resolve(" demo ", Offline()).Should().Be(expected);
        File.Exists(Path.Combine(expected, "model.safetensors")).Should().BeTrue();
    }

    [Theory]
    [InlineData("demo", true)]
    [InlineData(" demo ", true)]
    [InlineData("Demo", false)]
    [InlineData("./demo", false)]
    [InlineData("org/demo", false)]
    [InlineData("demo@main", false)]
    [InlineData(null, false)]
    public void Only_the_exact_name_means_the_demo(string? value, bool isDemo) => DemoModel.IsName(value).Should().Be(isDemo);

    [Fact]
    public async Task Gpt2Kit_Model_demo_in_configuration_generates_the_reference_story()
    {
        var reference = FixtureCases.DemoGenerate.Single(c => c.Name == "greedy_once_upon");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Gpt2Kit:Model"] = "demo" })
            .Build();
        var services = new ServiceCollection();
        services.AddGpt2Kit(configuration).AddGpt2Backend();
        await using var provider = services.BuildServiceProvider();

        var generator = provider.GetRequiredService<ITextGenerator>();
        var result = await generator.GenerateAsync(GenerationRequest.FromIds(reference.InputIds, GenerationConfiguration.FromJson(reference.ConfigJson)));

        result.Sequences.Should().BeEquivalentTo(reference.Expected.Sequences, o => o.WithStrictOrdering());
        result.Texts[0].Should().StartWith(", there was a", "the demo checkpoint writes English stories");
    }

    [Fact]
    public async Task Offline_without_a_cached_copy_the_error_suggests_the_demo()
    {
        var act = async () => await ModelLocation.ResolveAsync("gpt2", Offline());

        (await act.Should().ThrowAsync<HuggingFaceHubException>()).Which.Message
            .Should().Contain("HF_HUB_OFFLINE").And.Contain("--model demo");
    }

    [Fact]
    public async Task An_unreachable_hub_error_suggests_the_demo()
    {
        // A port nothing listens on: the connection is refused at once.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var options = new HuggingFaceHubOptions { CacheDirectory = _cache.Path, Endpoint = new Uri($"http://127.0.0.1:{port}/"), MaxAttempts = 1 };

        var act = async () => await ModelLocation.ResolveAsync("gpt2", options);

        (await act.Should().ThrowAsync<HuggingFaceHubException>()).Which.Message
            .Should().Contain("cannot reach").And.Contain("--model demo");
    }

    private HuggingFaceHubOptions Offline() => new() { CacheDirectory = _cache.Path, Offline = true };
}
