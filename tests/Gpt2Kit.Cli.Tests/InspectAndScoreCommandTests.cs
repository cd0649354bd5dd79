using System.Text.Json;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests;

public class InspectAndScoreCommandTests
{
    private static readonly string Tiny = FixturePaths.Checkpoint("gpt2-tiny");

    public static TheoryData<int, string> ProcessCases()
    {
        var data = new TheoryData<int, string>();
        using var document = FixtureJson.Load("process.json");
        int index = 0;
        foreach (var item in document.RootElement.EnumerateArray())
        {
            data.Add(index++, item.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ProcessCases))]
    public async Task Inspect_shows_the_reference_processed_scores(int index, string name)
    {
        using var document = FixtureJson.Load("process.json");
        var item = document.RootElement[index];
        var expected = item.GetProperty("expected");
        var top = expected.GetProperty("top")[0];

        var output = await CliRunner.RunJsonAsync("inspect",
            "--model", FixturePaths.Checkpoint(item.GetProperty("checkpoint").GetString()!),
            "--input-ids", item.GetProperty("input_ids").GetRawText(),
            "--config", item.GetProperty("config").GetRawText(),
            "--prompt-length", item.GetProperty("prompt_length").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--steps", "1", "--top", top.GetArrayLength().ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");

        var step = output.GetProperty("steps").EnumerateArray().Should().ContainSingle().Subject;
        step.GetProperty("step").GetInt32().Should().Be(0);
        step.GetProperty("row").GetInt32().Should().Be(0);
        step.GetProperty("finite_count").GetInt32().Should().Be(expected.GetProperty("finite_count")[0].GetInt32(), name);
        var actualTop = step.GetProperty("top").EnumerateArray().ToArray();
        actualTop.Should().HaveCount(top.GetArrayLength());
        var expectedTop = top.EnumerateArray().ToArray();
        for (int i = 0; i < expectedTop.Length; i++)
        {
            float expectedScore = FixtureJson.ReadFloat(expectedTop[i][1]);
            if (float.IsNegativeInfinity(expectedScore))
            {
                // Filtered tokens tie at -Infinity; which of them are listed is an ordering detail.
                FixtureJson.ReadFloat(actualTop[i][1]).Should().Be(float.NegativeInfinity, $"{name} #{i}");
                continue;
            }

            actualTop[i][0].GetInt32().Should().Be(expectedTop[i][0].GetInt32(), $"{name} #{i}");
            FixtureJson.ReadFloat(actualTop[i][1]).Should().BeApproximately(expectedScore, 1e-4f, $"{name} #{i}");
            FixtureJson.ReadFloat(actualTop[i][2]).Should().BeApproximately(FixtureJson.ReadFloat(expectedTop[i][2]), 1e-4f, $"{name} #{i}");
            actualTop[i][3].ValueKind.Should().Be(JsonValueKind.String);
        }
    }

    [Fact]
    public async Task Inspect_follows_the_greedy_path_for_several_steps()
    {
        var inspect = await CliRunner.RunJsonAsync("inspect", "--model", Tiny, "--input-ids", "[[464,2068,7586,21831]]", "--steps", "3", "--top", "2", "--json");
        var generate = await CliRunner.RunJsonAsync("generate", "--model", Tiny, "--input-ids", "[[464,2068,7586,21831]]", "--max-new-tokens", "3", "--json");

        var chosen = inspect.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("chosen").GetInt32()).ToArray();
        chosen.Should().Equal(GenerateCommandTests.Ints(generate.GetProperty("sequences"))[0].Skip(4));
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

    public static TheoryData<int> ScoreCases()
    {
        using var document = FixtureJson.Load("score.json");
        var data = new TheoryData<int>();
        for (int i = 0; i < document.RootElement.GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ScoreCases))]
    public async Task Score_matches_the_reference(int index)
    {
        using var document = FixtureJson.Load("score.json");
        var item = document.RootElement[index];
        var expected = item.GetProperty("expected");

        var output = await CliRunner.RunJsonAsync("score",
            "--model", FixturePaths.Checkpoint(item.GetProperty("checkpoint").GetString()!),
            "--input-ids", item.GetProperty("input_ids").GetRawText(),
            "--continuation-ids", item.GetProperty("continuation").GetRawText(), "--json");

        output.GetProperty("sum_logprob").GetDouble().Should().BeApproximately(expected.GetProperty("logprob").GetDouble(), 1e-4);
        output.GetProperty("token_logprobs").EnumerateArray().Select(FixtureJson.ReadFloat).Should().Equal(
            expected.GetProperty("token_logprobs").EnumerateArray().Select(FixtureJson.ReadFloat), (a, b) => Math.Abs(a - b) <= 1e-4f);
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
