using System.Globalization;
using System.Text.Json;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests;

public class InspectAndScoreCommandTests
{
    private static readonly string Tiny = FixturePaths.Checkpoint("gpt2-tiny");

    public static TheoryData<int, string> ProcessCases() => FixtureCases.ProcessRows();

    [Theory]
    [MemberData(nameof(ProcessCases))]
    public async Task Inspect_shows_the_reference_processed_scores(int index, string name)
    {
        var item = FixtureCases.Process[index];
        var expectedTop = item.Top;

        var output = await CliRunner.RunJsonAsync("inspect",
            "--model", item.CheckpointPath,
            "--input-ids", JsonSerializer.Serialize(new[] { item.InputIds }),
            "--config", item.Config.GetRawText(),
            "--prompt-length", item.PromptLength.ToString(CultureInfo.InvariantCulture),
            "--steps", "1", "--top", expectedTop.Length.ToString(CultureInfo.InvariantCulture), "--json");

        var step = output.GetProperty("steps").EnumerateArray().Should().ContainSingle().Subject;
        step.GetProperty("step").GetInt32().Should().Be(0);
        step.GetProperty("row").GetInt32().Should().Be(0);
        step.GetProperty("finite_count").GetInt32().Should().Be(item.FiniteCount, name);
        var actualTop = step.GetProperty("top").EnumerateArray().ToArray();
        actualTop.Should().HaveCount(expectedTop.Length);
        for (int i = 0; i < expectedTop.Length; i++)
        {
            var expected = expectedTop[i];
            if (float.IsNegativeInfinity(expected.Score))
            {
                // Filtered tokens tie at -Infinity; which of them are listed is an ordering detail.
                FixtureJson.ReadFloat(actualTop[i][1]).Should().Be(float.NegativeInfinity, $"{name} #{i}");
                continue;
            }

            actualTop[i][0].GetInt32().Should().Be(expected.Id, $"{name} #{i}");
            FixtureJson.ReadFloat(actualTop[i][1]).Should().BeApproximately(expected.Score, FixtureAssert.Tolerance, $"{name} #{i}");
            FixtureJson.ReadFloat(actualTop[i][2]).Should().BeApproximately(expected.LogProb, FixtureAssert.Tolerance, $"{name} #{i}");
            actualTop[i][3].ValueKind.Should().Be(JsonValueKind.String);
        }
    }

    [Fact]
    public async Task Inspect_follows_the_greedy_path_for_several_steps()
    {
        var inspect = await CliRunner.RunJsonAsync("inspect", "--model", Tiny, "--input-ids", "[[464,2068,7586,21831]]", "--steps", "3", "--top", "2", "--json");
        var generate = await CliRunner.RunJsonAsync("generate", "--model", Tiny, "--input-ids", "[[464,2068,7586,21831]]", "--max-new-tokens", "3", "--json");

        var chosen = inspect.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("chosen").GetInt32()).ToArray();
        chosen.Should().Equal(FixtureJson.IntRows(generate.GetProperty("sequences"))[0].Skip(4));
        inspect.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("top")[0][0].GetInt32()).Should().Equal(chosen);
    }

    [Theory]
    [InlineData("--steps", "0")]
    [InlineData("--top", "0")]
    [InlineData("--prompt-length", "9")]
    public async Task Inspect_rejects_bad_arguments_by_name(string option, string value)
    {
        var (code, _, error) = await CliRunner.RunAsync("inspect", "--model", Tiny, "--input-ids", "[[464,2068]]", option, value);

        code.Should().Be(1);
        error.Should().StartWith("error: ").And.Contain(option);
    }

    public static TheoryData<int> ScoreCases() => FixtureCases.ScoreRows();

    public static TheoryData<int> DemoScoreCases() => FixtureCases.DemoScoreRows();

    [Theory]
    [MemberData(nameof(ScoreCases))]
    public Task Score_matches_the_reference(int index) => CheckScore(FixtureCases.Score[index]);

    [Theory]
    [MemberData(nameof(DemoScoreCases))]
    public Task Score_on_the_demo_checkpoint_matches_the_reference(int index) => CheckScore(FixtureCases.DemoScore[index]);

    private static async Task CheckScore(ScoreCase item)
    {
        var output = await CliRunner.RunJsonAsync("score",
            "--model", item.CheckpointPath,
            "--input-ids", JsonSerializer.Serialize(item.InputIds),
            "--continuation-ids", JsonSerializer.Serialize(item.Continuation), "--json");

        output.GetProperty("sum_logprob").GetDouble().Should().BeApproximately(item.Logprob, FixtureAssert.Tolerance);
        FixtureAssert.CloseValues(FixtureJson.Floats(output.GetProperty("token_logprobs")), item.TokenLogprobs, "token_logprobs");
    }

    [Fact]
    public async Task Score_of_text_tokenizes_prompt_and_continuation_separately()
    {
        var text = await CliRunner.RunJsonAsync("score", "--model", Tiny, "--prompt", "The quick brown", "--continuation", " fox jumps", "--json");
        var ids = await CliRunner.RunJsonAsync("score", "--model", Tiny, "--input-ids", "[464,2068,7586]",
            "--continuation-ids", text.GetProperty("continuation_ids").GetRawText(), "--json");

        text.GetProperty("sum_logprob").GetDouble().Should().Be(ids.GetProperty("sum_logprob").GetDouble());
    }

    [Theory]
    [InlineData(new[] { "--input-ids", "[464]", "--continuation-ids", "[99999]" }, "--continuation-ids")]
    [InlineData(new[] { "--input-ids", "[464]" }, "--continuation-ids")]
    [InlineData(new[] { "--input-ids", "[464]", "--continuation-ids", "[]" }, "--continuation-ids")]
    [InlineData(new[] { "--input-ids", "[464", "--continuation-ids", "[1]" }, "--input-ids")]
    [InlineData(new[] { "--prompt", "a", "--continuation-ids", "[1]" }, "--continuation")]
    public async Task Score_rejects_bad_input_by_name(string[] args, string named)
    {
        var (code, _, error) = await CliRunner.RunAsync(["score", "--model", Tiny, .. args]);

        code.Should().NotBe(0);
        error.Should().StartWith("error: ").And.Contain(named);
    }
}
