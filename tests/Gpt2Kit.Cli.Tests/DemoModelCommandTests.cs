using System.Text.Json;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests;

/// <summary><c>--model demo</c> on the command line, and the README's first command, which runs the demo checkpoint.</summary>
public class DemoModelCommandTests
{
    private const string ReadmeCommandPrefix = "dotnet run -c Release --project src/Gpt2Kit.Cli -- ";

    private static GenerateCase OnceUponATime => FixtureCases.DemoGenerate.Single(c => c.Name == "greedy_once_upon");

    [Fact]
    public async Task The_readmes_first_command_prints_the_reference_story_of_the_demo_checkpoint()
    {
        string readme = await File.ReadAllTextAsync(Path.Combine(FixturePaths.RepositoryRoot, "README.md"));
        string line = readme.Split('\n').Select(l => l.TrimEnd('\r')).First(l => l.StartsWith(ReadmeCommandPrefix, StringComparison.Ordinal));
        string[] args = [.. HelpAndExitCodeTests.ShellWords(line[ReadmeCommandPrefix.Length..])];

        // The command is the reference case greedy_once_upon of demo.json, so its output is known exactly.
        var reference = OnceUponATime;
        int maxNewTokens = JsonDocument.Parse(reference.ConfigJson).RootElement.GetProperty("max_new_tokens").GetInt32();
        args.Should().Equal("generate", "--model", "demo", "--prompt", Gpt2Tokenizer.Default.Decode(reference.InputIds[0]),
            "--max-new-tokens", maxNewTokens.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var (code, output, error) = await CliRunner.RunAsync(args);

        code.Should().Be(0, error);
        int[] generated = reference.Expected.Sequences[0][reference.Expected.PromptLength..];
        output.Should().Be(Gpt2Tokenizer.Default.Decode(generated) + Environment.NewLine);
        output.Should().StartWith(", there was a", "the demo speaks English");
    }

    [Fact]
    public async Task Demo_is_accepted_by_the_commands_that_take_a_model()
    {
        var reference = FixtureCases.DemoScore[0];
        var score = await CliRunner.RunJsonAsync("score", "--model", "demo",
            "--input-ids", JsonSerializer.Serialize(reference.InputIds), "--continuation-ids", JsonSerializer.Serialize(reference.Continuation), "--json");
        score.GetProperty("sum_logprob").GetDouble().Should().BeApproximately(reference.Logprob, FixtureAssert.Tolerance);

        var info = await CliRunner.RunJsonAsync("info", "--model", "demo", "--json");
        using var config = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(FixturePaths.Checkpoint(FixturePaths.DemoCheckpoint), "config.json")));
        info.GetProperty("name").GetString().Should().Be("gpt2-stories");
        info.GetProperty("n_layer").GetInt32().Should().Be(config.RootElement.GetProperty("n_layer").GetInt32());
        info.GetProperty("n_embd").GetInt32().Should().Be(config.RootElement.GetProperty("n_embd").GetInt32());

        var tokens = await CliRunner.RunJsonAsync("tokenize", "--model", "demo", "--text", "Once upon a time", "--json");
        FixtureJson.Ints(tokens.GetProperty("ids")).Should().Equal(OnceUponATime.InputIds[0]);
    }

    [Fact]
    public async Task Download_of_demo_says_it_needs_none()
    {
        var (code, output, error) = await CliRunner.RunAsync("download", "demo");

        code.Should().Be(1);
        output.Should().BeEmpty();
        error.Should().StartWith("error: ").And.Contain("needs no download").And.Contain("--model demo");
    }
}
