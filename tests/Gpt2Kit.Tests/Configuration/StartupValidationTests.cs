using System.Text;
using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Testing;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gpt2Kit.Tests.Configuration;

public sealed class StartupValidationTests
{
    private static IConfigurationRoot Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    private static GenerationOptions Resolve(string json)
    {
        var services = new ServiceCollection();
        services.AddGpt2Kit(Json(json));
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<GenerationOptions>>().Value;
    }

    [Fact]
    public void The_whole_section_binds_into_the_default_options()
    {
        var generationConfig = File.ReadAllText(FixturePaths.Get("gpt2-tiny", "generation_config.json"));

        var options = Resolve($$"""
            { "Gpt2Kit": {
                "Model": "models/gpt2",
                "Generation": {{generationConfig}},
                "Processors": [ { "type": "repetition_penalty", "penalty": 1.2 }, { "type": "top_k", "k": 40 } ],
                "Search": "beam" } }
            """);

        options.EosTokenId.Should().Equal(50256);
        options.BosTokenId.Should().Be(50256);
        options.Strategy.Should().Be("beam");
        options.Processors!.Select(p => (p.Type, p.Path)).Should().Equal(("repetition_penalty", "Gpt2Kit:Processors:0"), ("top_k", "Gpt2Kit:Processors:1"));
        new ProcessorArguments(options.Processors![1]).GetInt32("k").Should().Be(40);
    }

    [Fact]
    public void Configuration_without_a_gpt2kit_section_is_read_from_its_root()
    {
        var options = Resolve("""{ "Generation": { "max_new_tokens": 5 }, "Search": "greedy" }""");

        options.MaxNewTokens.Should().Be(5);
        options.Strategy.Should().Be("greedy");
    }

    [Fact]
    public void Model_and_plugin_folders_are_read_for_the_host()
    {
        var section = Gpt2KitConfiguration.GetSection(Json("""{ "Gpt2Kit": { "Model": "models/gpt2", "Plugins": [ "plugins", "/opt/more" ] } }"""));

        Gpt2KitConfiguration.ReadModel(section).Should().Be("models/gpt2");
        Gpt2KitConfiguration.ReadPluginFolders(section, "/app").Should().Equal("/app/plugins", "/opt/more");
    }

    [Fact]
    public void An_unknown_processor_type_lists_the_known_ones()
    {
        var act = () => Resolve("""{ "Gpt2Kit": { "Processors": [ { "type": "top_k", "k": 5 }, { "type": "top_kk" } ] } }""");

        var error = act.Should().Throw<GenerationConfigurationException>().Which;
        error.SettingPath.Should().Be("Gpt2Kit:Processors:1:type");
        error.Value.Should().Be("top_kk");
        error.Allowed.Should().StartWith("a registered processor type (").And.Contain("top_k").And.Contain("repetition_penalty");
    }

    [Fact]
    public void A_bad_processor_setting_is_reported_by_its_factory_at_start_up()
    {
        var act = () => Resolve("""{ "Gpt2Kit": { "Processors": [ { "type": "repetition_penalty", "penalty": 1.1 }, { "type": "top_k", "k": 0 } ] } }""");

        var error = act.Should().Throw<GenerationConfigurationException>().Which;
        error.SettingPath.Should().Be("Gpt2Kit:Processors:1:k");
        error.Value.Should().Be("0");
        error.Allowed.Should().Be("an integer >= 1");
    }

    [Fact]
    public void A_processor_entry_without_type_is_reported()
    {
        var act = () => Resolve("""{ "Gpt2Kit": { "Processors": [ { "k": 5 } ] } }""");

        act.Should().Throw<GenerationConfigurationException>().Which.SettingPath.Should().Be("Gpt2Kit:Processors:0:type");
    }

    [Fact]
    public void An_unknown_search_strategy_lists_the_known_ones()
    {
        var act = () => Resolve("""{ "Gpt2Kit": { "Search": "beem" } }""");

        var error = act.Should().Throw<GenerationConfigurationException>().Which;
        error.SettingPath.Should().Be("Gpt2Kit:Search");
        error.Allowed.Should().Be("a registered search strategy (beam, beam_sample, contrastive, greedy, group_beam, sample)");
    }

    [Fact]
    public void A_bad_generation_value_names_its_full_path()
    {
        var act = () => Resolve("""{ "Gpt2Kit": { "Generation": { "top_p": 1.5 } } }""");

        act.Should().Throw<GenerationConfigurationException>().WithMessage("Gpt2Kit:Generation:top_p: '1.5' is not allowed; expected a number in [0, 1].");
    }

    [Fact]
    public void A_misspelt_section_key_is_an_error_with_a_suggestion()
    {
        var act = () => Resolve("""{ "Gpt2Kit": { "Generaton": { "top_p": 0.5 } } }""");

        act.Should().Throw<GenerationConfigurationException>().WithMessage("Gpt2Kit:Generaton: unknown setting 'Generaton' (did you mean 'Generation'?).");
    }

    [Fact]
    public void A_missing_plugins_folder_fails_registration()
    {
        var act = () => new ServiceCollection().AddGpt2Kit(Json("""{ "Gpt2Kit": { "Plugins": "/no/such/plugins" } }"""));

        act.Should().Throw<DirectoryNotFoundException>().WithMessage("*'/no/such/plugins'*");
    }

    [Fact]
    public void Two_components_with_one_name_are_reported_with_both_owners()
    {
        var services = new ServiceCollection();
        services.AddGpt2Kit(Json("{}"));
        services.AddSingleton<ILogitsProcessorFactory>(new RenamedFactory("top_k"));
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<GenerationOptions>>().Value;

        act.Should().Throw<InvalidOperationException>().WithMessage(
            "processor 'top_k' is registered 2 times: by the host (Gpt2Kit.Decoding.Processors.TopKProcessorFactory) and by the host (*RenamedFactory); names must be unique.");
    }

    [Fact]
    public void Errors_surface_when_the_generator_is_built()
    {
        var services = new ServiceCollection();
        var checkpoint = FixturePaths.Checkpoint("gpt2-tiny");
        services.AddGpt2Kit(Json("""{ "Gpt2Kit": { "Processors": [ { "type": "temperature", "value": -1 } ] } }""")).AddGpt2Model(checkpoint);
        services.AddSingleton<ITokenizer>(Gpt2Tokenizer.FromFolder(checkpoint));
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<ITextGenerator>();

        act.Should().Throw<GenerationConfigurationException>().Which.SettingPath.Should().Be("Gpt2Kit:Processors:0:value");
    }

    private sealed class RenamedFactory(string name) : ILogitsProcessorFactory
    {
        public string Name => name;

        public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

        public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context) => throw new NotSupportedException();
    }
}
