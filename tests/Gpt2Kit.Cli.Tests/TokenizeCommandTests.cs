using System.Text.Json;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests;

public sealed class TokenizeCommandTests
{
    private sealed record TokenizerCase(string Text, int[] Ids);

    private static readonly IReadOnlyList<TokenizerCase> Cases = FixtureJson.Read<List<TokenizerCase>>("tokenizer.json");

    public static TheoryData<int> CaseIndexes() => [.. Enumerable.Range(0, Cases.Count)];

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public async Task Json_output_has_the_reference_ids_for_every_fixture_case(int caseIndex)
    {
        var fixture = Cases[caseIndex];

        var (exitCode, stdout, stderr) = await RunAsync("tokenize", "--text", fixture.Text, "--json");

        exitCode.Should().Be(0, stderr);
        IdsOf(stdout).Should().Equal(fixture.Ids);
    }

    [Fact]
    public async Task Json_output_is_exactly_one_object()
    {
        var (exitCode, stdout, _) = await RunAsync("tokenize", "--text", "Hello, my name is", "--json");

        exitCode.Should().Be(0);
        stdout.Should().Be("{\"ids\":[15496,11,616,1438,318]}" + Environment.NewLine);
    }

    [Fact]
    public async Task A_model_folder_gives_the_same_ids()
    {
        var fixture = Cases.First(c => c.Text.StartsWith("Unicode", StringComparison.Ordinal));

        var (exitCode, stdout, stderr) = await RunAsync("tokenize", "--text", fixture.Text, "--model", FixturePaths.Checkpoint("gpt2-tiny"), "--json");

        exitCode.Should().Be(0, stderr);
        IdsOf(stdout).Should().Equal(fixture.Ids);
    }

    [Fact]
    public async Task The_table_lists_each_id_with_its_piece()
    {
        var (exitCode, stdout, _) = await RunAsync("tokenize", "--text", "Hello, my name is");

        exitCode.Should().Be(0);
        var lines = stdout.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(7);
        lines[1].Should().MatchRegex("^0 +15496 +\"Hello\"$");
        lines[2].Should().MatchRegex("^1 +11 +\",\"$");
        lines[5].Should().MatchRegex("^4 +318 +\" is\"$");
        lines[6].Should().Be("5 tokens");
    }

    [Fact]
    public async Task Partial_characters_are_shown_as_bytes()
    {
        var (exitCode, stdout, _) = await RunAsync("tokenize", "--text", "😀");

        exitCode.Should().Be(0);
        stdout.Should().Contain("<0xF0 0x9F 0x98>").And.Contain("<0x80>");
    }

    [Fact]
    public async Task No_special_encodes_endoftext_as_plain_text()
    {
        var (_, special, _) = await RunAsync("tokenize", "--text", "<|endoftext|>", "--json");
        var (_, plain, _) = await RunAsync("tokenize", "--text", "<|endoftext|>", "--json", "--no-special");

        IdsOf(special).Should().Equal(50256);
        IdsOf(plain).Should().Equal(27, 91, 437, 1659, 5239, 91, 29);
    }

    [Fact]
    public async Task A_file_is_read_as_UTF8()
    {
        string path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, "Hello, my name is");

            var (exitCode, stdout, _) = await RunAsync("tokenize", "--file", path, "--json");

            exitCode.Should().Be(0);
            IdsOf(stdout).Should().Equal(15496, 11, 616, 1438, 318);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_file_with_invalid_UTF8_is_an_error_naming_the_file_and_offset()
    {
        string path = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(path, [.. "Hello"u8, 0xE2, 0x28, 0xA1]);

            var (exitCode, stdout, stderr) = await RunAsync("tokenize", "--file", path, "--json");

            exitCode.Should().Be(1);
            stdout.Should().BeEmpty();
            stderr.Should().StartWith("error: ").And.Contain(path).And.Contain("offset 5").And.NotContain("   at ");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new string[0], "--text TEXT or --file PATH")]
    [InlineData(new[] { "--text", "a", "--file", "x.txt" }, "not both")]
    [InlineData(new[] { "--file", "/no/such/file.txt" }, "/no/such/file.txt")]
    [InlineData(new[] { "--text", "a", "--model", "/no/such/model" }, "/no/such/model")]
    public async Task Bad_input_is_one_error_line_and_exit_code_1(string[] options, string expected)
    {
        var (exitCode, stdout, stderr) = await RunAsync(["tokenize", .. options]);

        exitCode.Should().Be(1);
        stdout.Should().BeEmpty();
        stderr.Should().StartWith("error: ").And.Contain(expected);
        stderr.Trim().Split('\n').Should().HaveCount(1);
    }

    // The one JSON object of --json: {"ids":[...]} and nothing else.
    private static int[] IdsOf(string stdout)
    {
        var root = JsonSerializer.Deserialize<JsonElement>(stdout);
        root.EnumerateObject().Select(p => p.Name).Should().Equal("ids");
        return root.GetProperty("ids").Deserialize<int[]>()!;
    }

    internal static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exitCode = await CliApp.RunAsync(args, stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }
}
