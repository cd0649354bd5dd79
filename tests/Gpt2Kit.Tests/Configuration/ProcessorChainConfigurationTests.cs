using System.Text;
using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.Tests.Configuration;

public sealed class ProcessorChainConfigurationTests
{
    private static IConfigurationRoot Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    [Fact]
    public void Entries_keep_their_order_settings_and_path()
    {
        // Twelve entries: configuration sorts keys as text ("10" before "2"); the chain must keep list order.
        var entries = Enumerable.Range(0, 12).Select(i => $$"""{ "type": "p{{i}}", "k": {{i * 10}} }""");
        var configuration = Json($$"""{ "Gpt2Kit": { "Processors": [ {{string.Join(",", entries)}} ] } }""");

        var specs = GenerationConfiguration.ReadProcessors(configuration.GetSection("Gpt2Kit:Processors"));

        specs.Select(s => s.Type).Should().Equal(Enumerable.Range(0, 12).Select(i => $"p{i}"));
        specs[11].Path.Should().Be("Gpt2Kit:Processors:11");
        new ProcessorArguments(specs[11]).GetInt32("k").Should().Be(110);
        new ProcessorArguments(specs[11]).PathOf("k").Should().Be("Gpt2Kit:Processors:11:k");
    }

    [Fact]
    public void A_bare_name_is_an_entry_without_settings()
    {
        var specs = GenerationConfiguration.ReadProcessors(Json("""{ "P": [ "temperature", { "type": "top_k", "k": 5 } ] }""").GetSection("P"));

        specs.Select(s => s.Type).Should().Equal("temperature", "top_k");
        new ProcessorArguments(specs[0]).Has("k").Should().BeFalse();
    }

    [Fact]
    public void A_missing_type_is_reported_at_the_entry()
    {
        var act = () => GenerationConfiguration.ReadProcessors(Json("""{ "Gpt2Kit": { "Processors": [ { "type": "top_k" }, { "k": 5 } ] } }""").GetSection("Gpt2Kit:Processors"));

        var error = act.Should().Throw<GenerationConfigurationException>().Which;
        error.SettingPath.Should().Be("Gpt2Kit:Processors:1:type");
        error.Value.Should().BeNull();
    }

    [Fact]
    public void An_object_instead_of_a_list_is_rejected() =>
        FluentActions.Invoking(() => GenerationConfiguration.ReadProcessors(Json("""{ "P": { "top_k": { "k": 5 } } }""").GetSection("P")))
            .Should().Throw<GenerationConfigurationException>().Which.SettingPath.Should().Be("P");

    [Fact]
    public void An_absent_section_is_an_empty_chain() =>
        GenerationConfiguration.ReadProcessors(Json("{}").GetSection("Gpt2Kit:Processors")).Should().BeEmpty();
}
