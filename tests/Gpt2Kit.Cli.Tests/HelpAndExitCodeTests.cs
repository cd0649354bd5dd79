using System.CommandLine;
using System.Text;
using Gpt2Kit.Cli.Infrastructure;

namespace Gpt2Kit.Cli.Tests;

/// <summary>What every command has in common: help that ends with runnable examples and names the program <c>gpt2kit</c>,
/// a <c>--json</c> option, and the same exit codes (0 ok, 1 failure, 2 usage).</summary>
public class HelpAndExitCodeTests
{
    public static TheoryData<string> CommandNames()
    {
        var data = new TheoryData<string>();
        foreach (var command in CliApp.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null)).Subcommands)
        {
            data.Add(command.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public async Task Help_ends_with_one_to_three_examples_of_the_command_that_parse(string name)
    {
        var (code, output, error) = await CliRunner.RunAsync(name, "--help");

        code.Should().Be(ExitCodes.Success, error);
        output.Should().Contain($"Usage:{Environment.NewLine}  gpt2kit {name} ");
        var sections = output.TrimEnd().Split(Environment.NewLine + Environment.NewLine);
        var examples = sections[^1].Split(Environment.NewLine);
        examples[0].Should().Be("Examples:", "the examples close the help");
        examples.Skip(1).Should().HaveCountGreaterThanOrEqualTo(1).And.HaveCountLessThanOrEqualTo(3)
            .And.OnlyContain(e => e.StartsWith($"  gpt2kit {name} ", StringComparison.Ordinal));
        foreach (var example in examples.Skip(1))
        {
            var parse = CliApp.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null)).Parse(ShellWords(example.Trim()).Skip(1).ToArray());
            parse.Errors.Should().BeEmpty($"'{example.Trim()}' is a valid command line");
            parse.CommandResult.Command.Name.Should().Be(name);
        }
    }

    [Fact]
    public async Task The_root_help_names_the_program_gpt2kit_and_ends_with_examples()
    {
        var (code, output, _) = await CliRunner.RunAsync("--help");

        code.Should().Be(ExitCodes.Success);
        output.Should().Contain($"Usage:{Environment.NewLine}  gpt2kit [command] [options]");
        output.TrimEnd().Split(Environment.NewLine + Environment.NewLine)[^1].Should().StartWith("Examples:" + Environment.NewLine + "  gpt2kit ");
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Every_command_can_print_json(string name)
    {
        var command = CliApp.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null)).Subcommands.Single(c => c.Name == name);

        command.Options.Should().Contain(o => o.Name == "--json");
    }

    [Theory]
    [InlineData(new[] { "generate", "--no-such-option" }, "gpt2kit generate --help")]
    [InlineData(new[] { "no-such-command" }, "gpt2kit --help")]
    [InlineData(new string[0], "gpt2kit --help")]
    [InlineData(new[] { "inspect", "--steps", "many" }, "gpt2kit inspect --help")]
    [InlineData(new[] { "bench" }, "gpt2kit bench --help")]
    public async Task A_command_line_that_does_not_parse_exits_with_2_and_points_to_help(string[] args, string pointer)
    {
        var (code, output, error) = await CliRunner.RunAsync(args);

        code.Should().Be(ExitCodes.Usage);
        output.Should().BeEmpty();
        error.Should().StartWith("error: ").And.Contain($"Run '{pointer}' for usage and examples.");
    }

    [Theory]
    [InlineData("generate", "--model", "/nonexistent/model", "--prompt", "hi")]
    [InlineData("inspect", "--model", "/nonexistent/model", "--prompt", "hi")]
    [InlineData("score", "--model", "/nonexistent/model", "--prompt", "a", "--continuation", "b")]
    [InlineData("info", "--model", "/nonexistent/model")]
    [InlineData("logits", "--model", "/nonexistent/model", "--input-ids", "[464]")]
    [InlineData("bench", "--model", "/nonexistent/model")]
    [InlineData("tokenize", "--file", "/nonexistent/prompt.txt")]
    [InlineData("detokenize", "--ids", "[1,")]
    [InlineData("create-random", "--shape", "gpt5", "--out", "/tmp/never")]
    [InlineData("plugins", "--plugins", "/nonexistent/plugins")]
    [InlineData("download", "not a name!")]
    public async Task A_failure_is_one_error_line_and_exit_code_1(params string[] args)
    {
        var (code, output, error) = await CliRunner.RunAsync(args);

        code.Should().Be(ExitCodes.Failure);
        output.Should().BeEmpty();
        error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle()
            .Which.Should().StartWith("error: ").And.NotContain("   at ");
    }

    // Splits a command line the way a POSIX shell does for the quoting the examples use.
    /// <summary>Splits a command line as a POSIX shell would for simple quoting ('...', "...", bare words).</summary>
    internal static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        foreach (char c in line)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (c == ' ')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
