using System.Globalization;
using System.Text.Json;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests;

/// <summary>The human output of <c>inspect</c> (the choices per step) shows what its <c>--json</c> output holds.</summary>
public class InspectTableTests
{
    private static readonly string Tiny = FixturePaths.Checkpoint("gpt2-tiny");

    public static TheoryData<string[]> Requests => new()
    {
        { ["--prompt", "The quick brown", "--steps", "3", "--top", "5"] },
        { ["--input-ids", "[[464,2068],[40]]", "--steps", "2", "--top", "3", "--repetition-penalty", "1.5"] },
        { ["--prompt", "Hello", "--do-sample", "--temperature", "5", "--seed", "3", "--steps", "4", "--top", "2"] },
        { ["--prompt", "Hello", "--do-sample", "--top-k", "3", "--seed", "11", "--steps", "3", "--top", "6"] },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Plain_output_lists_each_steps_choices_as_the_json_reports_them(string[] request)
    {
        var json = await CliRunner.RunJsonAsync(["inspect", "--model", Tiny, .. request, "--json"]);
        var (code, output, error) = await CliRunner.RunAsync(["inspect", "--model", Tiny, .. request]);

        code.Should().Be(0, error);
        var blocks = output.Split(Environment.NewLine + Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        var steps = json.GetProperty("steps").EnumerateArray().ToArray();
        blocks.Should().HaveCount(steps.Length, "one block per step and row");
        for (int s = 0; s < steps.Length; s++)
        {
            var lines = blocks[s].Split(Environment.NewLine);
            var top = steps[s].GetProperty("top").EnumerateArray().ToArray();
            int chosen = steps[s].GetProperty("chosen").GetInt32();
            bool listed = top.Any(t => t[0].GetInt32() == chosen);

            lines[0].Should().StartWith($"step {steps[s].GetProperty("step").GetInt32()}, row {steps[s].GetProperty("row").GetInt32()}: chose {chosen} ");
            lines[0].Should().EndWith($"; {steps[s].GetProperty("finite_count").GetInt32()} of 50257 tokens kept");
            lines[0].Contains("(not in the top", StringComparison.Ordinal).Should().Be(!listed);
            lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Should().Equal("rank", "id", "score", "logprob", "prob", "token");
            lines.Should().HaveCount(2 + top.Length);
            for (int i = 0; i < top.Length; i++)
            {
                string line = lines[2 + i];
                var cells = line[2..].Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                int id = top[i][0].GetInt32();
                line[0].ToString().Should().Be(id == chosen ? StepChoicesView.PlainMark : " ", "only the chosen token is marked");
                cells[0].Should().Be((i + 1).ToString(CultureInfo.InvariantCulture));
                cells[1].Should().Be(id.ToString(CultureInfo.InvariantCulture));
                Close(Number(cells[2]), FixtureJson.ReadFloat(top[i][1]), 1e-4);
                Close(Number(cells[3]), FixtureJson.ReadFloat(top[i][2]), 1e-4);
                Close(Percent(cells[4]), 100 * Math.Exp(FixtureJson.ReadFloat(top[i][2])), 0.005 + 1e-9);
                string text = top[i][3].GetString()!;
                if (text.Contains('\uFFFD', StringComparison.Ordinal))
                {
                    cells[5].Should().StartWith("<0x", "part of a UTF-8 character is shown as its bytes");
                }
                else
                {
                    cells[5].Should().Be(JsonSerializer.Serialize(text, CliJson.Options), "the token's text, quoted and escaped");
                }
            }
        }
    }

    [Fact]
    public async Task A_filtered_token_shows_minus_infinity_and_zero_probability()
    {
        // top-k 2 leaves two tokens; the third listed is filtered.
        var (code, output, error) = await CliRunner.RunAsync("inspect", "--model", Tiny, "--prompt", "Hello", "--do-sample", "--top-k", "2", "--top", "3", "--seed", "1");

        code.Should().Be(0, error);
        var third = output.Split(Environment.NewLine)[4][2..].Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        third[0].Should().Be("3");
        third[2].Should().Be("-inf");
        third[3].Should().Be("-inf");
        third[4].Should().Be("0%");
        output.Should().Contain("; 2 of 50257 tokens kept");
    }

    [Fact]
    public async Task On_a_terminal_each_step_is_a_table_with_the_chosen_row_marked()
    {
        string[] request = ["inspect", "--model", Tiny, "--prompt", "The quick brown", "--steps", "2", "--top", "4"];
        var json = await CliRunner.RunJsonAsync([.. request, "--json"]);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = await CliApp.RunAsync(request, TerminalConsole.Context(stdout, stderr, outIsTerminal: true, errorIsTerminal: false));

        code.Should().Be(0, stderr.ToString());
        var lines = stdout.ToString().Split('\n');
        foreach (var step in json.GetProperty("steps").EnumerateArray())
        {
            int chosen = step.GetProperty("chosen").GetInt32();
            lines.Should().Contain(l => l.Contains($"step {step.GetProperty("step").GetInt32()}, row 0: chose {chosen} ", StringComparison.Ordinal), "the table's title");
            foreach (var token in step.GetProperty("top").EnumerateArray())
            {
                int id = token[0].GetInt32();
                string text = JsonSerializer.Serialize(token[3].GetString(), CliJson.Options);
                var row = lines.Where(l => l.Contains($" {id} ", StringComparison.Ordinal) && l.Contains(text, StringComparison.Ordinal)).ToArray();
                row.Should().NotBeEmpty($"token {id} {text} has a row");
                row.Any(l => l.Contains(StepChoicesView.TableMark, StringComparison.Ordinal)).Should().Be(id == chosen, $"token {id} is marked only when chosen");
            }
        }

        lines.Count(l => l.Contains(StepChoicesView.TableMark, StringComparison.Ordinal)).Should().Be(2, "one chosen token per step");
    }

    [Theory]
    [InlineData(0f, "0.0000")]
    [InlineData(-1.23456f, "-1.2346")]
    [InlineData(float.NegativeInfinity, "-inf")]
    public void Scores_have_four_decimals(float value, string expected) => StepChoicesView.FormatScore(value).Should().Be(expected);

    [Theory]
    [InlineData(1.0, "100.00%")]
    [InlineData(0.061349, "6.13%")]
    [InlineData(0.00004, "<0.01%")]
    [InlineData(0.0, "0%")]
    public void Probabilities_are_percentages(double value, string expected) => StepChoicesView.FormatProbability(value).Should().Be(expected);

    private static void Close(double actual, double expected, double tolerance)
    {
        if (double.IsInfinity(expected))
        {
            actual.Should().Be(expected);
        }
        else
        {
            actual.Should().BeApproximately(expected, tolerance);
        }
    }

    private static double Number(string cell) => cell == "-inf" ? double.NegativeInfinity : double.Parse(cell, CultureInfo.InvariantCulture);

    private static double Percent(string cell) => cell switch
    {
        "0%" => 0,
        "<0.01%" => 0.005,
        _ => double.Parse(cell.TrimEnd('%'), CultureInfo.InvariantCulture),
    };
}
