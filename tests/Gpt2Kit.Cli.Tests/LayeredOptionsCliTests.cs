using System.Text.Json;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests;

/// <summary>The CLI merges options as the library does: the model's generation_config.json ◄ <c>--config</c> ◄ flags,
/// field by field.</summary>
public sealed class LayeredOptionsCliTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public LayeredOptionsCliTests()
    {
        foreach (var file in Directory.GetFiles(FixturePaths.Checkpoint("gpt2-tiny")))
        {
            File.Copy(file, _folder.File(Path.GetFileName(file)));
        }

        File.WriteAllText(_folder.File("generation_config.json"), """{ "no_repeat_ngram_size": 2, "repetition_penalty": 1.3, "eos_token_id": 50256 }""");
    }

    public void Dispose() => _folder.Dispose();

    private static int[] Sequence(JsonElement result) => result.GetProperty("sequences")[0].EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [Fact]
    public async Task Only_max_new_tokens_keeps_the_models_generation_config()
    {
        var layered = await CliRunner.RunJsonAsync("generate", "--model", _folder.Path, "--input-ids", "[[464,2068,7586]]", "--max-new-tokens", "16", "--json");
        var full = await CliRunner.RunJsonAsync("generate", "--model", _folder.Path, "--input-ids", "[[464,2068,7586]]", "--max-new-tokens", "16",
            "--no-repeat-ngram-size", "2", "--repetition-penalty", "1.3", "--json");

        Sequence(layered).Should().Equal(Sequence(full));
        layered.GetProperty("processors").EnumerateArray().Select(p => p.GetString()).Should().Equal("repetition_penalty", "no_repeat_ngram");
    }

    [Fact]
    public async Task Application_settings_lie_under_the_flags()
    {
        var settings = _folder.File("appsettings.json");
        File.WriteAllText(settings, """{ "Gpt2Kit": { "Generation": { "do_sample": true, "top_k": 7, "seed": 3 } } }""");

        var layered = await CliRunner.RunJsonAsync("generate", "--model", _folder.Path, "--input-ids", "[[464,2068,7586]]", "--config", "@" + settings,
            "--max-new-tokens", "12", "--json");
        var full = await CliRunner.RunJsonAsync("generate", "--model", _folder.Path, "--input-ids", "[[464,2068,7586]]", "--max-new-tokens", "12",
            "--do-sample", "true", "--top-k", "7", "--seed", "3", "--no-repeat-ngram-size", "2", "--repetition-penalty", "1.3", "--json");

        Sequence(layered).Should().Equal(Sequence(full));
    }

    [Theory]
    [InlineData("--top-p", "1.5", "--top-p: top_p: '1.5' is not allowed; expected a number in [0, 1].")]
    [InlineData("--temperature", "0,7", "--temperature: '0,7' is not a number")]
    public async Task Bad_numbers_read_as_everywhere_else(string flag, string value, string expected)
    {
        var (code, _, error) = await CliRunner.RunAsync("generate", "--model", _folder.Path, "--input-ids", "[[464]]", "--do-sample", "true", flag, value);

        code.Should().NotBe(0);
        error.Should().Contain(expected);
    }
}
