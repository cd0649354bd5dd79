using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests.Commands;

/// <summary><c>gpt2kit bench</c> on the tiny fixture with small sizes: the report's shape, not its speed.</summary>
public sealed class BenchCommandTests
{
    [Fact]
    public async Task Json_report_has_prefill_and_one_decode_run_per_batch_size()
    {
        var report = await ModelCommandsRunner.RunJsonAsync("bench", "--model", FixturePaths.Checkpoint("gpt2-tiny"), "--threads", "2",
            "--prefill-tokens", "1000", "--prompt-tokens", "4", "--decode-tokens", "3", "--batches", "1,3");
        report.GetProperty("threads").GetInt32().Should().Be(2);
        var run = report.GetProperty("formats").EnumerateArray().Single();
        run.GetProperty("dtype").GetString().Should().Be("f32");
        run.GetProperty("prefill").GetProperty("tokens").GetInt32().Should().Be(128, "the prefill is capped at n_positions");
        var decode = run.GetProperty("decode").EnumerateArray().ToList();
        decode.Select(d => d.GetProperty("batch").GetInt32()).Should().Equal(1, 3);
        decode.Should().OnlyContain(d => d.GetProperty("steps").GetInt32() == 3 && d.GetProperty("tokens_per_second").GetDouble() > 0);
        run.GetProperty("peak_working_set_decode_bytes").GetInt64().Should().BeGreaterThan(0);
    }

    [Theory]
    [InlineData("--batches", "1,0", "error: --batches: '0' is not a batch size in 1..256 (expected e.g. 1,8).")]
    [InlineData("--prompt-tokens", "128", "error: --prompt-tokens: 128 leaves no room to decode within n_positions (128).")]
    [InlineData("--decode-tokens", "0", "error: --decode-tokens: 0 is not allowed; expected 1 or more.")]
    public async Task Bad_options_are_named(string option, string value, string message) =>
        (await ModelCommandsRunner.RunFailingAsync("bench", "--model", FixturePaths.Checkpoint("gpt2-tiny"), option, value)).Should().Be(message);
}
