using Gpt2Kit.Testing;
using Gpt2Kit.Tests.Plugins;

namespace Gpt2Kit.Cli.Tests;

/// <summary><c>--plugins</c> and a <c>--config @settings.json</c> with a Gpt2Kit section on the generating commands.</summary>
public sealed class GeneratePluginsTests
{
    private static readonly string Model = FixturePaths.Checkpoint("gpt2-tiny");

    [Fact]
    public async Task A_plugin_selector_ends_the_chain_and_is_deterministic()
    {
        using var folder = new PluginFolder().Add(PluginFolder.Mirostat);
        var settings = Path.Combine(folder.Path, "appsettings.json");
        File.WriteAllText(settings, """
            { "Gpt2Kit": { "Plugins": [ "." ], "Generation": { "do_sample": true }, "Processors": [ { "type": "mirostat_v2", "tau": 3, "eta": 0.2 } ] } }
            """);
        string[] args = ["generate", "--model", Model, "--input-ids", "[[464,2068,7586]]", "--config", "@" + settings,
            "--seed", "3", "--max-new-tokens", "4", "--json"];

        var first = await CliRunner.RunJsonAsync(args);
        var again = await CliRunner.RunJsonAsync(args);

        var sequence = first.GetProperty("sequences")[0].EnumerateArray().Select(e => e.GetInt32()).ToArray();
        sequence.Should().HaveCount(7).And.StartWith([464, 2068, 7586]);
        again.GetProperty("sequences")[0].EnumerateArray().Select(e => e.GetInt32()).Should().Equal(sequence);
        first.GetProperty("processors").EnumerateArray().Select(p => p.GetString()).Should().Equal("mirostat_v2");
    }

    [Fact]
    public async Task A_settings_file_brings_its_plugins_chain_and_strategy()
    {
        using var folder = new PluginFolder().Add(PluginFolder.Xtc);
        var settings = Path.Combine(folder.Path, "appsettings.json");
        File.WriteAllText(settings, """
            { "Gpt2Kit": {
                "Plugins": [ "." ],
                "Generation": { "max_new_tokens": 3, "seed": 1 },
                "Processors": [ { "type": "dry" }, { "type": "xtc", "probability": 1 } ],
                "Search": "sample" } }
            """);

        var result = await CliRunner.RunJsonAsync("generate", "--model", Model, "--input-ids", "[[464,2068]]", "--config", "@" + settings, "--json");

        result.GetProperty("processors").EnumerateArray().Select(p => p.GetString()).Should().Equal("dry", "xtc");
        result.GetProperty("sequences")[0].GetArrayLength().Should().Be(5);
    }

    [Fact]
    public async Task A_plugin_that_fails_to_load_is_one_warning_and_generation_goes_on()
    {
        using var folder = new PluginFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "Broken"));
        File.WriteAllText(Path.Combine(folder.Path, "Broken", "Broken.dll"), "not an assembly");

        var (exitCode, output, error) = await CliRunner.RunAsync("generate", "--model", Model, "--input-ids", "[[464]]", "--max-new-tokens", "2", "--plugins", folder.Path);

        exitCode.Should().Be(0, error);
        output.Should().NotBeEmpty();
        error.Should().StartWith("warning: plugin Broken (").And.Contain("not a valid .NET assembly");
    }

    [Fact]
    public async Task A_missing_plugins_folder_is_one_error_line()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("generate", "--model", Model, "--input-ids", "[[464]]", "--plugins", "/no/such/plugins");

        exitCode.Should().Be(1);
        error.Trim().Should().StartWith("error: --plugins: The plugins folder '/no/such/plugins' does not exist").And.NotContain("\n");
    }

    [Fact]
    public async Task An_unknown_plugin_processor_in_a_settings_file_names_its_path()
    {
        using var folder = new PluginFolder();
        var settings = Path.Combine(folder.Path, "appsettings.json");
        File.WriteAllText(settings, """{ "Gpt2Kit": { "Processors": [ { "type": "xtc" } ] } }""");

        var (exitCode, _, error) = await CliRunner.RunAsync("generate", "--model", Model, "--input-ids", "[[464]]", "--config", "@" + settings);

        exitCode.Should().Be(1);
        error.Should().StartWith("error: Gpt2Kit:Processors:0: 'xtc' is not allowed; expected a registered processor type (");
    }
}
