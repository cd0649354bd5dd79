using System.Text.Json;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests;

public sealed class DetokenizeCommandTests
{
    [Fact]
    public async Task Json_output_is_exactly_one_object()
    {
        var (exitCode, stdout, _) = await TokenizeCommandTests.RunAsync("detokenize", "--ids", "[15496,11]", "--json");

        exitCode.Should().Be(0);
        stdout.Should().Be("{\"text\":\"Hello,\"}" + Environment.NewLine);
    }

    [Fact]
    public async Task Plain_output_is_the_text()
    {
        var (exitCode, stdout, _) = await TokenizeCommandTests.RunAsync("detokenize", "--ids", "[15496,11,995,0]", "--model", FixturePaths.Checkpoint("gpt2-tiny"));

        exitCode.Should().Be(0);
        stdout.Should().Be("Hello, world!" + Environment.NewLine);
    }

    [Fact]
    public async Task Special_tokens_and_spaces_can_be_cleaned_up()
    {
        // "Hello", " ,", " world", <|endoftext|>
        var (_, stdout, _) = await TokenizeCommandTests.RunAsync("detokenize", "--ids", "[15496,837,995,50256]", "--json", "--skip-special-tokens", "--clean-up-spaces");

        JsonSerializer.Deserialize<JsonElement>(stdout).GetProperty("text").GetString().Should().Be("Hello, world");
    }

    [Fact]
    public async Task Non_ASCII_text_survives_the_JSON_output()
    {
        // "caf", "é" (two byte tokens), " 😀" (four byte tokens with the space)
        var (_, stdout, _) = await TokenizeCommandTests.RunAsync("detokenize", "--ids", "[66,1878,2634,30325,222]", "--json");

        JsonSerializer.Deserialize<JsonElement>(stdout).GetProperty("text").GetString().Should().Be("café 😀");
    }

    [Theory]
    [InlineData("[15496,50257]", "id 50257 at index 1 is outside the vocabulary (0..50256)")]
    [InlineData("[-1]", "id -1 at index 0")]
    [InlineData("[1.5]", "--ids: expected a JSON array of integers")]
    [InlineData("hello", "--ids: expected a JSON array of integers")]
    public async Task Bad_ids_are_one_error_line_and_exit_code_1(string ids, string expected)
    {
        var (exitCode, stdout, stderr) = await TokenizeCommandTests.RunAsync("detokenize", "--ids", ids);

        exitCode.Should().Be(1);
        stdout.Should().BeEmpty();
        stderr.Should().StartWith("error: ").And.Contain(expected);
        stderr.Trim().Split('\n').Should().HaveCount(1);
    }
}
