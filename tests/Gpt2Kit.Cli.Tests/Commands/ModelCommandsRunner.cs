using System.Text.Json;

namespace Gpt2Kit.Cli.Tests.Commands;

/// <summary>Runs the CLI in-process and captures stdout, stderr and the exit code.</summary>
internal static class ModelCommandsRunner
{
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CliApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs with --json, expects success and exactly one JSON object on stdout.</summary>
    public static async Task<JsonElement> RunJsonAsync(params string[] args)
    {
        var (code, output, error) = await RunAsync([.. args, "--json"]);
        code.Should().Be(0, error);
        error.Should().BeEmpty();
        output.TrimEnd().Split('\n').Should().HaveCount(1, "--json prints one line");
        using var document = JsonDocument.Parse(output);
        document.RootElement.ValueKind.Should().Be(JsonValueKind.Object);
        return document.RootElement.Clone();
    }

    /// <summary>Expects exit code 1, nothing on stdout and one "error: ..." line on stderr; returns that line.</summary>
    public static async Task<string> RunFailingAsync(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);
        code.Should().Be(1, error);
        output.Should().BeEmpty();
        string[] lines = error.TrimEnd().Split('\n');
        lines.Should().ContainSingle();
        lines[0].Should().StartWith("error: ").And.NotContain("   at ");
        return lines[0];
    }
}
