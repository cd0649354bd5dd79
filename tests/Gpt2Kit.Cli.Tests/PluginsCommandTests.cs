using System.Text.Json;
using Gpt2Kit.Tests.Plugins;

namespace Gpt2Kit.Cli.Tests;

public sealed class PluginsCommandTests
{
    private static async Task<(int ExitCode, string Out, string Error)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exitCode = await CliApp.RunAsync(args, stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Json_lists_plugins_their_registrations_and_failures()
    {
        using var folder = new PluginFolder().Add(PluginFolder.Xtc).Add(PluginFolder.Mirostat);
        Directory.CreateDirectory(Path.Combine(folder.Path, "Broken"));
        File.WriteAllText(Path.Combine(folder.Path, "Broken", "Broken.dll"), "not an assembly");

        var (exitCode, output, error) = await Run("plugins", "--plugins", folder.Path, "--json");

        exitCode.Should().Be(0, error);
        output.TrimEnd().Split('\n').Should().ContainSingle("--json prints exactly one JSON object");
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        root.GetProperty("folders").EnumerateArray().Select(f => f.GetString()).Should().Equal(folder.Path);
        var plugins = root.GetProperty("plugins").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        plugins.Keys.Should().BeEquivalentTo("XtcPlugin", "MirostatPlugin");
        plugins["XtcPlugin"].GetProperty("assembly").GetString().Should().Be(PluginFolder.Xtc);
        plugins["XtcPlugin"].GetProperty("version").GetString().Should().Be("0.1.0");
        plugins["XtcPlugin"].GetProperty("registrations").EnumerateArray()
            .Select(r => (r.GetProperty("name").GetString(), r.GetProperty("kind").GetString()))
            .Should().Equal(("xtc", "warper"), ("dry", "processor"));
        plugins["MirostatPlugin"].GetProperty("registrations")[0].GetProperty("kind").GetString().Should().Be("processor");
        var failure = root.GetProperty("failures").EnumerateArray().Should().ContainSingle().Subject;
        failure.GetProperty("plugin").GetString().Should().Be("Broken");
        failure.GetProperty("reason").GetString().Should().StartWith("not a valid .NET assembly");
    }

    [Fact]
    public async Task Text_output_names_each_plugin_and_failure()
    {
        using var folder = new PluginFolder().Add(PluginFolder.Xtc);
        Directory.CreateDirectory(Path.Combine(folder.Path, "Empty"));

        var (exitCode, output, _) = await Run("plugins", "--plugins", folder.Path);

        exitCode.Should().Be(0);
        output.Should().Contain($"plugins folder: {folder.Path}")
            .And.Contain("XtcPlugin (Gpt2Kit.Plugins.Xtc 0.1.0)")
            .And.MatchRegex(@"\n  warper +xtc\n")
            .And.Contain("failed: Empty (");
    }

    [Fact]
    public async Task A_missing_folder_is_one_error_line()
    {
        var (exitCode, output, error) = await Run("plugins", "--plugins", "/no/such/plugins");

        exitCode.Should().Be(1);
        output.Should().BeEmpty();
        error.Should().StartWith("error: --plugins: The plugins folder '/no/such/plugins' does not exist").And.NotContain("   at ");
    }

    [Fact]
    public async Task The_folder_option_is_required()
    {
        var (exitCode, _, error) = await Run("plugins");

        exitCode.Should().Be(2);
        error.Should().Contain("--plugins");
    }
}
