using Gpt2Kit.Decoding;
using Gpt2Kit.Models;
using Gpt2Kit.Plugins;
using Gpt2Kit.Testing;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Tests.Configuration;

public class ConfiguredModelTests
{
    private static IConfiguration Settings(string? model) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gpt2Kit:Model"] = model,
            ["Gpt2Kit:Generation:max_new_tokens"] = "16",
        })
        .Build();

    [Fact]
    public async Task The_configured_model_is_loaded_by_the_registered_backend_and_generates_the_reference_ids()
    {
        var services = new ServiceCollection();
        services.AddGpt2Kit(Settings(FixturePaths.Checkpoint("gpt2-tiny"))).AddGpt2Backend();
        await using var provider = services.BuildServiceProvider();

        var generator = provider.GetRequiredService<ITextGenerator>();
        generator.Tokenizer.Encode("Hello, my name is").Should().Equal(15496, 11, 616, 1438, 318);

        using var cases = FixtureJson.Load("generate.json");
        var greedy = cases.RootElement.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "greedy_single");
        int[] prompt = greedy.GetProperty("input_ids")[0].EnumerateArray().Select(e => e.GetInt32()).ToArray();
        int[] expected = greedy.GetProperty("expected").GetProperty("sequences")[0].EnumerateArray().Select(e => e.GetInt32()).ToArray();

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([prompt]));
        result.Sequences[0].Should().Equal(expected);
    }

    [Fact]
    public async Task A_model_registered_in_code_wins_over_the_configured_one()
    {
        var services = new ServiceCollection();
        services.AddGpt2Kit(Settings("no/such-model-anywhere")).AddGpt2Model(FixturePaths.Checkpoint("gpt2-tiny"));
        await using var provider = services.BuildServiceProvider();
        // Neither the configured name nor its tokenizer is ever looked up: the generator builds from what code registered.
        provider.GetRequiredService<ITextGenerator>().Tokenizer.Encode("Hello").Should().Equal(15496);
        provider.GetRequiredService<ICausalLanguageModel>().Info.VocabSize.Should().Be(50257);
    }

    [Fact]
    public async Task Without_any_model_the_generator_says_what_to_register()
    {
        var services = new ServiceCollection();
        services.AddGpt2Kit();
        await using var provider = services.BuildServiceProvider();
        FluentActions.Invoking(() => provider.GetRequiredService<ITextGenerator>())
            .Should().Throw<InvalidOperationException>().WithMessage("No ICausalLanguageModel is registered: call AddGpt2Model(folder)*");
    }

    [Fact]
    public async Task Without_a_backend_the_error_names_the_setting_and_what_to_add()
    {
        var services = new ServiceCollection();
        services.AddGpt2Kit(Settings(FixturePaths.Checkpoint("gpt2-tiny")));
        await using var provider = services.BuildServiceProvider();
        FluentActions.Invoking(() => provider.GetRequiredService<ITextGenerator>())
            .Should().Throw<ModelLoadException>().WithMessage("Gpt2Kit:Model: *no model backend is registered*AddGpt2Backend()*");
    }

    [Fact]
    public async Task A_folder_no_backend_can_read_is_reported_with_the_setting()
    {
        string empty = Directory.CreateTempSubdirectory("gpt2kit-empty-model").FullName;
        try
        {
            var services = new ServiceCollection();
            services.AddGpt2Kit(Settings(empty)).AddGpt2Backend();
            await using var provider = services.BuildServiceProvider();
            FluentActions.Invoking(() => provider.GetRequiredService<ITextGenerator>())
                .Should().Throw<ModelLoadException>().WithMessage($"Gpt2Kit:Model: no registered backend can load '{empty}' (registered: gpt2).");
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public async Task An_object_model_setting_names_path_backend_device_and_dtype()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gpt2Kit:Model:Path"] = FixturePaths.Checkpoint("gpt2-tiny"),
            ["Gpt2Kit:Model:Backend"] = "GPT2",
            ["Gpt2Kit:Model:Device"] = "cpu",
            ["Gpt2Kit:Model:DType"] = "f32",
        }).Build();
        Gpt2Kit.Configuration.Gpt2KitConfiguration.ReadModelSettings(configuration.GetSection("Gpt2Kit"))
            .Should().Be(new Gpt2Kit.Configuration.ModelSettings(FixturePaths.Checkpoint("gpt2-tiny")) { Backend = "GPT2", Device = "cpu", DType = "f32" });

        var services = new ServiceCollection();
        services.AddGpt2Kit(configuration).AddGpt2Backend();
        await using var provider = services.BuildServiceProvider();
        var result = await provider.GetRequiredService<ITextGenerator>().GenerateAsync(GenerationRequest.FromIds([[15496, 11]], new GenerationOptions { MaxNewTokens = 2 }));
        result.Sequences[0].Should().HaveCount(4);
    }

    [Fact]
    public void An_object_model_setting_without_a_path_or_with_an_unknown_key_is_reported_with_its_path()
    {
        static IConfiguration With(string key, string value) =>
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Gpt2Kit:Model:{key}"] = value }).Build();

        FluentActions.Invoking(() => new ServiceCollection().AddGpt2Kit(With("Backend", "gpt2")))
            .Should().Throw<GenerationConfigurationException>().WithMessage("Gpt2Kit:Model:Path: a value is required*");
        FluentActions.Invoking(() => new ServiceCollection().AddGpt2Kit(With("Dtype2", "f32")))
            .Should().Throw<GenerationConfigurationException>().WithMessage("Gpt2Kit:Model:Dtype2: unknown setting 'Dtype2'*DType*");
    }

    [Fact]
    public async Task A_registered_model_resolver_turns_the_configured_name_into_the_folder_that_is_loaded()
    {
        var resolver = new MapResolver(("my-model", FixturePaths.Checkpoint("gpt2-tiny")));
        var services = new ServiceCollection();
        services.AddSingleton<IModelResolver>(resolver);
        services.AddGpt2Kit(Settings("my-model")).AddGpt2Backend(); // the backend keeps a resolver registered before it
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ITextGenerator>().Tokenizer.Encode("Hello").Should().Equal(15496);
        resolver.Asked.Should().Equal("my-model");
        provider.GetRequiredService<IModelResolver>().Should().BeSameAs(resolver);
    }

    [Fact]
    public async Task A_resolver_failure_is_reported_with_the_setting()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IModelResolver>(new MapResolver());
        services.AddGpt2Kit(Settings("unknown-name")).AddGpt2Backend();
        await using var provider = services.BuildServiceProvider();

        FluentActions.Invoking(() => provider.GetRequiredService<ITextGenerator>())
            .Should().Throw<ModelLoadException>().WithMessage("Gpt2Kit:Model: 'unknown-name' is not in the map.")
            .WithInnerException<DirectoryNotFoundException>();
    }

    [Fact]
    public async Task Without_a_resolver_the_host_takes_folders_and_says_how_to_resolve_names()
    {
        // A backend registered on its own (as a plugin would) brings no resolver: the host never goes to the network.
        var folder = new ServiceCollection();
        folder.AddGpt2Kit(Settings(FixturePaths.Checkpoint("gpt2-tiny"))).AddModelLoader(new Gpt2Kit.Gpt2.Gpt2ModelLoader());
        await using (var provider = folder.BuildServiceProvider())
        {
            provider.GetService<IModelResolver>().Should().BeNull();
            provider.GetRequiredService<ITextGenerator>().Tokenizer.Encode("Hello").Should().Equal(15496);
        }

        var name = new ServiceCollection();
        name.AddGpt2Kit(Settings("gpt2")).AddModelLoader(new Gpt2Kit.Gpt2.Gpt2ModelLoader());
        await using (var provider = name.BuildServiceProvider())
        {
            FluentActions.Invoking(() => provider.GetRequiredService<ITextGenerator>()).Should().Throw<ModelLoadException>().WithMessage(
                "Gpt2Kit:Model: 'gpt2' is not an existing folder, and no IModelResolver is registered*builder.AddHuggingFaceHub() from Gpt2Kit.Hub*");
        }
    }

    /// <summary>Resolves fixed names to folders and records what it was asked.</summary>
    private sealed class MapResolver(params (string Name, string Folder)[] entries) : IModelResolver
    {
        public List<string> Asked { get; } = [];

        public Task<string> ResolveAsync(string location, CancellationToken cancellationToken = default)
        {
            lock (Asked)
            {
                Asked.Add(location);
            }

            return entries.FirstOrDefault(e => e.Name == location).Folder is { } folder
                ? Task.FromResult(folder)
                : Task.FromException<string>(new DirectoryNotFoundException($"'{location}' is not in the map."));
        }
    }
}
