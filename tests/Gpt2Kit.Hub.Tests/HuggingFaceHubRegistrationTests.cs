using Gpt2Kit.Decoding;
using Gpt2Kit.Models;
using Gpt2Kit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Hub.Tests;

/// <summary><c>AddHuggingFaceHub()</c>: the hub as the host's <see cref="IModelResolver"/>, so that <c>Gpt2Kit:Model</c>
/// takes hub names; registered by the backends, and configurable.</summary>
public sealed class HuggingFaceHubRegistrationTests : IDisposable
{
    private const string Repo = "test-org/tiny";
    private readonly LoopbackHub _hub = new();
    private readonly TempFolder _cache = HubTestRepo.CreateCache();

    public HuggingFaceHubRegistrationTests() => _hub.AddRepo(Repo, "main", HubTestRepo.CommitA, HubTestRepo.Files);

    public void Dispose()
    {
        _hub.Dispose();
        _cache.Dispose();
    }

    private static IConfiguration Settings(string model) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["Gpt2Kit:Model"] = model })
        .Build();

    [Fact]
    public async Task A_hub_name_in_configuration_is_downloaded_into_the_configured_cache_and_generates_like_the_fixture_folder()
    {
        var services = new ServiceCollection();
        services.AddGpt2Kit(Settings(Repo)).AddGpt2Backend()
            .AddHuggingFaceHub(o => // after the backend: replaces the resolver it registered
            {
                o.CacheDirectory = _cache.Path;
                o.Endpoint = _hub.Endpoint;
                o.Offline = false;
            });
        await using var provider = services.BuildServiceProvider();

        var request = GenerationRequest.FromIds([[15496, 11, 616, 1438, 318]], new GenerationOptions { MaxNewTokens = 5 });
        var result = await provider.GetRequiredService<ITextGenerator>().GenerateAsync(request);

        var reference = new ServiceCollection();
        reference.AddGpt2Kit().AddGpt2Model(FixturePaths.Checkpoint("gpt2-tiny"));
        await using var referenceProvider = reference.BuildServiceProvider();
        result.Sequences[0].Should().Equal((await referenceProvider.GetRequiredService<ITextGenerator>().GenerateAsync(request)).Sequences[0]);
        _hub.Gets("model.safetensors").Should().NotBeEmpty("the model came from the hub");
        Directory.Exists(Path.Combine(_cache.Path, "models--test-org--tiny", "snapshots", HubTestRepo.CommitA)).Should().BeTrue();
    }

    [Fact]
    public async Task A_configured_hub_registered_before_the_backend_is_kept_and_its_errors_name_the_setting()
    {
        var services = new ServiceCollection();
        var builder = services.AddGpt2Kit(Settings("gpt2"));
        builder.AddHuggingFaceHub(o =>
        {
            o.CacheDirectory = _cache.Path;
            o.Offline = true;
        });
        builder.AddGpt2Backend();
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IModelResolver>().Should().BeOfType<HuggingFaceModelResolver>()
            .Which.CacheDirectory.Should().Be(Path.GetFullPath(_cache.Path));
        FluentActions.Invoking(() => provider.GetRequiredService<ITextGenerator>()).Should().Throw<ModelLoadException>()
            .WithMessage($"Gpt2Kit:Model: 'gpt2' is not in the Hugging Face cache ({Path.GetFullPath(_cache.Path)}) and HF_HUB_OFFLINE=1 forbids downloading it.*--model demo*")
            .WithInnerException<HuggingFaceHubException>();
        _hub.Requests.Should().BeEmpty();
    }

    [Fact]
    public void Backends_register_one_resolver_however_often_they_are_added()
    {
        var services = new ServiceCollection();
        services.AddGpt2Kit().AddGpt2Backend().AddGpt2Backend().AddHuggingFaceHub();

        services.Count(d => d.ServiceType == typeof(IModelResolver)).Should().Be(1);
    }
}
