using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests.Commands;

/// <summary><c>gpt2kit logits</c>: ragged rows are left-padded and masked, positions as generate(); matches logits.json and
/// the logits cases of demo.json.</summary>
public sealed class LogitsCommandTests
{
    public static TheoryData<int, string> Cases() => FixtureCases.LogitsRows();

    public static TheoryData<int, string> DemoCases() => FixtureCases.DemoLogitsRows();

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Json_logits_of_a_ragged_batch_match_the_fixture(int index, string title) => CheckJsonLogits(FixtureCases.Logits[index], title);

    [Theory]
    [MemberData(nameof(DemoCases))]
    public Task Json_logits_on_the_demo_checkpoint_match_the_fixture(int index, string title) => CheckJsonLogits(FixtureCases.DemoLogits[index], title);

    private static async Task CheckJsonLogits(LogitsCase item, string title)
    {
        var result = await ModelCommandsRunner.RunJsonAsync("logits", "--model", item.CheckpointPath,
            "--input-ids", item.InputIdsJson, "--threads", "2");

        var rows = FixtureJson.FloatRows(result.GetProperty("logits"));
        rows.Should().HaveCount(item.Logits.Length);
        for (int r = 0; r < rows.Length; r++)
        {
            rows[r].Should().HaveCount(50257);
            FixtureAssert.CloseValues(rows[r], item.Logits[r], $"{title} row {r}");
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
