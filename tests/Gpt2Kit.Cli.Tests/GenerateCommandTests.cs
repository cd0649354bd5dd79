using System.Text.Json;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests;

public class GenerateCommandTests
{
    private static readonly string Tiny = FixturePaths.Checkpoint("gpt2-tiny");

    public static TheoryData<int, string> Cases() => FixtureCases.GenerateRows();

    public static TheoryData<int, string> DemoCases() => FixtureCases.DemoGenerateRows();

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Every_reference_case_matches_through_the_json_output(int index, string name) =>
        CheckJsonOutput(FixtureCases.Generate[index], name);

    [Theory]
    [MemberData(nameof(DemoCases))]
    public Task Every_demo_checkpoint_case_matches_through_the_json_output(int index, string name) =>
        CheckJsonOutput(FixtureCases.DemoGenerate[index], name);

    private static async Task CheckJsonOutput(GenerateCase item, string name)
    {
        var expected = item.Expected;

        var output = await CliRunner.RunJsonAsync("generate",
            "--model", item.CheckpointPath,
            "--input-ids", item.InputIdsJson,
            "--config", item.ConfigJson,
            "--json");

        FixtureJson.IntRows(output.GetProperty("sequences")).Should().BeEquivalentTo(expected.Sequences, o => o.WithStrictOrdering(), name);
        FixtureAssert.CloseRows(FixtureJson.FloatRows(output.GetProperty("transition_scores")), expected.TransitionScores, $"{name} transition_scores");
        FixtureAssert.CloseRows(FixtureJson.FloatRows(output.GetProperty("token_logprobs")), expected.TokenLogprobs, $"{name} token_logprobs");
        FixtureJson.Strings(output.GetProperty("processors")).Should().Equal(expected.Processors, name);
        output.GetProperty("prompt_length").GetInt32().Should().Be(expected.PromptLength);
        output.GetProperty("texts").GetArrayLength().Should().Be(expected.Sequences.Length);
        output.GetProperty("finish_reasons").EnumerateArray().Should().OnlyContain(e => e.GetString() == "length" || e.GetString() == "eos");
        if (expected.SequenceScores is null)
        {
            output.GetProperty("sequence_scores").ValueKind.Should().Be(JsonValueKind.Null);
            output.GetProperty("beam_indices").ValueKind.Should().Be(JsonValueKind.Null);
        }
        else
        {
            FixtureAssert.CloseValues(FixtureJson.Floats(output.GetProperty("sequence_scores")), expected.SequenceScores, $"{name} sequence_scores");
            FixtureJson.IntRows(output.GetProperty("beam_indices")).Should().BeEquivalentTo(expected.BeamIndices, o => o.WithStrictOrdering(), name);
        }
    }

    [Fact]
    public async Task Streaming_prints_the_same_text_as_a_plain_run()
    {
        string[] args = ["generate", "--model", Tiny, "--prompt", "Hello, my name is", "--max-new-tokens", "24", "--do-sample", "--seed", "5", "--stop", " a"];

        var plain = await CliRunner.RunAsync(args);
        var streamed = await CliRunner.RunAsync([.. args, "--stream"]);
        var json = await CliRunner.RunJsonAsync([.. args, "--json"]);

        plain.ExitCode.Should().Be(0, plain.Error);
        streamed.ExitCode.Should().Be(0, streamed.Error);
        streamed.Out.Should().Be(plain.Out);
        plain.Out.Should().Be(json.GetProperty("texts")[0].GetString() + Environment.NewLine);
    }

    [Fact]
    public async Task Text_prompts_form_a_left_padded_batch()
    {
        var output = await CliRunner.RunJsonAsync("generate", "--model", Tiny, "--prompt", "Hello, my name is", "--prompt", "Hi",
            "--max-new-tokens", "3", "--json");

        var sequences = FixtureJson.IntRows(output.GetProperty("sequences"));
        sequences.Should().HaveCount(2);
        sequences[1].Take(3).Should().OnlyContain(id => id == 50256, "the short prompt is padded on the left with pad = EOS");
        output.GetProperty("texts").GetArrayLength().Should().Be(2);
    }

    public static TheoryData<string[], string> BadInputs => new()
    {
        { ["--prompt", "hi", "--do-sample", "--temperature", "0"], "--temperature" },
        { ["--prompt", "hi", "--top-p", "1.5"], "--top-p" },
        { ["--prompt", "hi", "--top-p", "-0.5"], "--top-p" },
        { ["--prompt", "hi", "--top-k", "-1"], "--top-k" },
        { ["--prompt", "hi", "--min-p", "2"], "--min-p" },
        { ["--prompt", "hi", "--repetition-penalty", "0"], "--repetition-penalty" },
        { ["--prompt", "hi", "--num-beams", "2", "--num-return-sequences", "3"], "--num-return-sequences" },
        { ["--prompt", "hi", "--num-return-sequences", "2"], "--num-return-sequences" },
        { ["--prompt", "hi", "--penalty-alpha", "0.6", "--top-k", "4", "--num-return-sequences", "2"], "--num-return-sequences" },
        { ["--prompt", "hi", "--num-beams", "4", "--num-beam-groups", "3", "--diversity-penalty", "1"], "--num-beam-groups" },
        { ["--prompt", "hi", "--num-beams", "4", "--num-beam-groups", "2"], "--diversity-penalty" },
        { ["--prompt", "hi", "--max-new-tokens", "0"], "--max-new-tokens" },
        { ["--prompt", "hi", "--min-new-tokens", "-1"], "--min-new-tokens" },
        { ["--prompt", "Hello, my name is", "--max-length", "3"], "--max-length" },
        { ["--prompt", "hi", "--max-new-tokens", "500"], "--max-new-tokens" },
        { ["--prompt", "hi", "--eos-token-id", "60000"], "--eos-token-id" },
        { ["--prompt", "hi", "--early-stopping", "sometimes"], "--early-stopping" },
        { ["--prompt", "hi", "--temperature", "abc"], "--temperature" },
        { ["--prompt", "hi", "--strategy", "nope"], "--strategy" },
        { ["--input-ids", "[[464, 99999]]"], "--input-ids" },
        { ["--input-ids", "[[464,"], "--input-ids" },
        { ["--prompt", "hi", "--input-ids", "[[464]]"], "--prompt" },
        { ["--prompt", "hi", "--config", "{\"top_p\": 7}"], "top_p" },
        { ["--prompt", "hi", "--config", "{\"top_p\": "], "--config" },
        { ["--prompt", "hi", "--config", "@/nonexistent/gen.json"], "--config" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_fails_with_one_line_naming_the_option(string[] args, string named)
    {
        var (code, output, error) = await CliRunner.RunAsync(["generate", "--model", Tiny, .. args]);

        code.Should().NotBe(0);
        output.Should().BeEmpty();
        error.Should().StartWith("error: ").And.Contain(named);
        error.Should().NotContain("   at ", "no stack trace");
    }

    [Fact]
    public async Task A_missing_model_folder_is_named()
    {
        var (code, _, error) = await CliRunner.RunAsync("generate", "--model", "/nonexistent/model", "--prompt", "hi");

        code.Should().Be(1);
        error.Should().Contain("--model").And.Contain("/nonexistent/model");
    }

    [Fact]
    public async Task A_config_file_that_never_ends_is_refused_promptly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string fifo = Path.Combine(Path.GetTempPath(), $"gpt2kit-config-{Guid.NewGuid():N}");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
        }

        try
        {
            foreach (string path in new[] { "/dev/zero", fifo })
            {
                // A hang would surface as the TimeoutException of WaitAsync.
                var (code, output, error) = await CliRunner.RunAsync("generate", "--model", Tiny, "--prompt", "hi", "--config", "@" + path)
                    .WaitAsync(TimeSpan.FromSeconds(30));

                code.Should().Be(1);
                output.Should().BeEmpty();
                error.Should().Be($"error: --config: '{path}' is empty or not a regular file (a pipe or a device); expected a file of 1 to 16777216 bytes.{Environment.NewLine}");
            }
        }
        finally
        {
            File.Delete(fifo);
        }
    }

    [Theory]
    [InlineData("""{"top_k": -3}""")]
    [InlineData("""{"top_p": 7}""")]
    [InlineData("""{"num_beams": 0}""")]
    public async Task A_bad_value_in_the_models_generation_config_is_reported_against_that_file_not_a_flag(string generationConfig)
    {
        using var folder = new Gpt2Kit.Testing.TempFolder();
        foreach (string file in Directory.EnumerateFiles(Tiny))
        {
            File.Copy(file, Path.Combine(folder.Path, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(folder.Path, "generation_config.json"), generationConfig);

        var (code, _, error) = await CliRunner.RunAsync("generate", "--model", folder.Path, "--prompt", "hi", "--max-new-tokens", "2");

        code.Should().Be(1);
        error.Should().StartWith("error: ").And.Contain("generation_config.json").And.NotContain("error: --");
    }
}
