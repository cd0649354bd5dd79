using System.Text.Json;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests.Commands;

/// <summary><c>--dtype</c> across the commands that load a model, <c>bench</c> over several formats in one run, and
/// <c>convert</c> writing a q8 checkpoint that loads as it was written.</summary>
public sealed class DTypeCommandTests
{
    [Fact]
    public async Task Bench_measures_every_format_asked_for_in_one_run_with_no_allocation_per_step()
    {
        string text = Path.Combine(FixturePaths.Root, "README.md");
        var report = await ModelCommandsRunner.RunJsonAsync("bench", "--model", FixturePaths.Checkpoint("gpt2-tiny"), "--threads", "2",
            "--dtype", "f32,q8", "--prefill-tokens", "16", "--prompt-tokens", "4", "--decode-tokens", "3", "--batches", "1", "--accuracy-text", text);
        var runs = report.GetProperty("formats").EnumerateArray().ToList();
        runs.Select(r => r.GetProperty("dtype").GetString()).Should().Equal("f32", "q8");
        // No per-step buffers (one logits row alone is 200 KB); a one-time lazy allocation on a loaded machine can show as a few
        // bytes averaged over this 3-step run, so the bound is a handful of bytes, not exactly 0.
        runs.Should().OnlyContain(r => r.GetProperty("decode")[0].GetProperty("allocated_bytes_per_step").GetDouble() < 64);
        runs[1].GetProperty("weight_bytes").GetInt64().Should().BeLessThan(runs[0].GetProperty("weight_bytes").GetInt64() / 3);
        runs[0].GetProperty("accuracy").GetProperty("max_abs_logit_error").GetDouble().Should().Be(0, "f32 against itself");
        var q8 = runs[1].GetProperty("accuracy");
        q8.GetProperty("positions").GetInt32().Should().Be(16);
        q8.GetProperty("max_abs_logit_error").GetDouble().Should().BeInRange(1e-6, 1.5);
        q8.GetProperty("top1_agreement").GetDouble().Should().BeGreaterThan(0.8);
    }

    [Theory]
    [InlineData("bench", "error: --dtype: 'q4' is not a weight format; expected a list of auto, f32, bf16, f16, q8, or all.")]
    [InlineData("logits", "error: --dtype: 'q4' is not a weight format; expected one of auto, f32, bf16, f16, q8.")]
    [InlineData("generate", "error: --dtype: 'q4' is not a weight format; expected one of auto, f32, bf16, f16, q8.")]
    [InlineData("score", "error: --dtype: 'q4' is not a weight format; expected one of auto, f32, bf16, f16, q8.")]
    public async Task An_unknown_format_is_named_with_the_allowed_ones(string command, string message)
    {
        string[] extra = command switch
        {
            "logits" => ["--input-ids", "[1,2]"],
            "generate" => ["--prompt", "Hi"],
            "score" => ["--prompt", "Hi", "--continuation", " there"],
            _ => [],
        };
        (await ModelCommandsRunner.RunFailingAsync([command, "--model", FixturePaths.Checkpoint("gpt2-tiny"), "--dtype", "q4", .. extra]))
            .Should().Be(message);
    }

    [Fact]
    public async Task Generate_on_the_f16_fixture_gives_the_same_ids_in_f16_and_f32()
    {
        string[] args = ["generate", "--model", FixturePaths.Checkpoint("gpt2-tiny-f16"), "--input-ids", "[[464,2068,7586]]", "--max-new-tokens", "8"];
        var f16 = await ModelCommandsRunner.RunJsonAsync([.. args, "--dtype", "f16"]);
        var f32 = await ModelCommandsRunner.RunJsonAsync([.. args, "--dtype", "f32"]);
        f16.GetRawText().Should().Be(f32.GetRawText(), "widening f16 is exact, so both compute the same logits");
    }

    [Fact]
    public async Task A_converted_q8_checkpoint_loads_as_written_and_gives_the_same_logits()
    {
        using var folder = new TempFolder();
        string target = folder.File("tiny-q8");
        var converted = await ModelCommandsRunner.RunJsonAsync("convert", "--model", FixturePaths.Checkpoint("gpt2-tiny"), "--dtype", "q8", "--out", target);
        converted.GetProperty("dtype").GetString().Should().Be("q8");

        var info = await ModelCommandsRunner.RunJsonAsync("info", "--model", target);
        info.GetProperty("dtype").GetString().Should().Be("F32+I8");
        info.GetProperty("compute_dtype").GetString().Should().Be("q8");
        info.GetProperty("converted_bytes").GetInt64().Should().Be(0, "nothing is quantized again");

        var direct = await ModelCommandsRunner.RunJsonAsync("logits", "--model", FixturePaths.Checkpoint("gpt2-tiny"), "--dtype", "q8", "--input-ids", "[464,2068]");
        var saved = await ModelCommandsRunner.RunJsonAsync("logits", "--model", target, "--input-ids", "[464,2068]");
        saved.GetRawText().Should().Be(direct.GetRawText());
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(target, "config.json"))).RootElement.GetProperty("n_embd").GetInt32().Should().Be(64);

        (await ModelCommandsRunner.RunFailingAsync("convert", "--model", target, "--dtype", "f16", "--out", target))
            .Should().StartWith("error: --out: ").And.Contain("is the source checkpoint");
    }
}
