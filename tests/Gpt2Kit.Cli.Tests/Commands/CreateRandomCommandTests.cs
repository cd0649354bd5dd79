using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests.Commands;

/// <summary><c>gpt2kit create-random</c>: writes a loadable Hugging Face folder; bad options are named.</summary>
public sealed class CreateRandomCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gpt2kit-random-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, true);
        }
    }

    [Fact]
    public async Task A_tiny_bf16_checkpoint_is_written_and_loads()
    {
        var created = await ModelCommandsRunner.RunJsonAsync("create-random", "--shape", "tiny", "--out", _folder, "--dtype", "bf16", "--seed", "3");
        created.GetProperty("dtype").GetString().Should().Be("BF16");
        foreach (string file in new[] { "config.json", "generation_config.json", "model.safetensors", "vocab.json", "merges.txt" })
        {
            File.Exists(Path.Combine(_folder, file)).Should().BeTrue(file);
        }

        File.ReadAllBytes(Path.Combine(_folder, "vocab.json")).Should().Equal(File.ReadAllBytes(FixturePaths.Get("gpt2-tiny", "vocab.json")));
        var info = await ModelCommandsRunner.RunJsonAsync("info", "--model", _folder);
        info.GetProperty("dtype").GetString().Should().Be("BF16");
        info.GetProperty("parameters").GetInt64().Should().Be(created.GetProperty("parameters").GetInt64());
    }

    [Fact]
    public async Task The_same_seed_writes_the_same_weights()
    {
        string other = _folder + "-again";
        try
        {
            await ModelCommandsRunner.RunJsonAsync("create-random", "--shape", "tiny", "--out", _folder, "--seed", "7");
            await ModelCommandsRunner.RunJsonAsync("create-random", "--shape", "tiny", "--out", other, "--seed", "7");
            File.ReadAllBytes(Path.Combine(other, "model.safetensors")).Should().Equal(File.ReadAllBytes(Path.Combine(_folder, "model.safetensors")));
        }
        finally
        {
            Directory.Delete(other, true);
        }
    }

    [Theory]
    [InlineData("--shape", "gpt3", "error: --shape: 'gpt3' is not a known shape; expected one of: gpt2, gpt2-medium, gpt2-large, gpt2-xl, tiny.")]
    [InlineData("--dtype", "int8", "error: --dtype: 'int8' is not supported; expected f32, f16 or bf16.")]
    public async Task Bad_options_are_named(string option, string value, string message)
    {
        string[] args = ["create-random", "--shape", "tiny", "--out", _folder];
        args = option == "--shape" ? ["create-random", "--shape", value, "--out", _folder] : [.. args, option, value];
        (await ModelCommandsRunner.RunFailingAsync(args)).Should().Be(message);
    }
}
