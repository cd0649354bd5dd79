using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests.Commands;

/// <summary><c>gpt2kit logits</c>: ragged rows are left-padded and masked, positions as generate(); matches logits.json.</summary>
public sealed class LogitsCommandTests
{
    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("gpt2-tiny-f16")]
    public async Task Json_logits_of_a_ragged_batch_match_the_fixture(string checkpoint)
    {
        using var fixture = FixtureJson.Load("logits.json");
        var testCase = fixture.RootElement.EnumerateArray().Single(c => c.GetProperty("checkpoint").GetString() == checkpoint);
        var expected = testCase.GetProperty("expected").GetProperty("logits");

        var result = await ModelCommandsRunner.RunJsonAsync("logits", "--model", FixturePaths.Checkpoint(checkpoint),
            "--input-ids", testCase.GetProperty("input_ids").GetRawText(), "--threads", "2");

        var rows = result.GetProperty("logits");
        rows.GetArrayLength().Should().Be(2);
        for (int r = 0; r < 2; r++)
        {
            var actual = rows[r].EnumerateArray().Select(e => e.GetSingle()).ToArray();
            var reference = expected[r].EnumerateArray().Select(FixtureJson.ReadFloat).ToArray();
            actual.Should().HaveCount(50257);
            actual.Zip(reference, (a, b) => Math.Abs(a - b)).Max().Should().BeLessThan(1e-4f, $"row {r}");
        }
    }

    [Fact]
    public async Task Text_output_lists_the_top_ids_of_each_row()
    {
        var (code, output, _) = await ModelCommandsRunner.RunAsync("logits", "--model", FixturePaths.Checkpoint("gpt2-tiny"), "--input-ids", "[464, 2068]");
        code.Should().Be(0);
        output.Should().StartWith("row 0: top 10 ");
        output.TrimEnd().Split('\n').Should().ContainSingle();
    }

    [Theory]
    [InlineData("[[464], []]", "error: --input-ids: row 1 is empty")]
    [InlineData("[464, 50257]", "error: --input-ids: id 50257 (row 0, index 1) is outside the vocabulary 0..50256.")]
    [InlineData("hello", "error: --input-ids: expected")]
    public async Task Bad_ids_are_reported_on_one_line(string ids, string message) =>
        (await ModelCommandsRunner.RunFailingAsync("logits", "--model", FixturePaths.Checkpoint("gpt2-tiny"), "--input-ids", ids))
            .Should().StartWith(message);

    [Fact]
    public async Task A_prompt_longer_than_the_context_is_reported()
    {
        string ids = "[" + string.Join(",", Enumerable.Repeat(1, 129)) + "]";
        (await ModelCommandsRunner.RunFailingAsync("logits", "--model", FixturePaths.Checkpoint("gpt2-tiny"), "--input-ids", ids))
            .Should().Be("error: --input-ids: 129 positions are more than this model's n_positions (128).");
    }

    [Fact]
    public async Task A_missing_model_folder_is_reported()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid().ToString("N"));
        (await ModelCommandsRunner.RunFailingAsync("logits", "--model", missing, "--input-ids", "[1]"))
            .Should().StartWith($"error: --model: '{missing}' is neither an existing folder").And.Contain("Hugging Face model name");
    }

    [Fact]
    public async Task Zero_threads_are_rejected() =>
        (await ModelCommandsRunner.RunFailingAsync("logits", "--model", FixturePaths.Checkpoint("gpt2-tiny"), "--input-ids", "[1]", "--threads", "0"))
            .Should().Be("error: --threads: 0 is not allowed; expected 1 or more.");
}
