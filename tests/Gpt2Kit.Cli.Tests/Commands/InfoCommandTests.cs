using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests.Commands;

/// <summary><c>gpt2kit info</c>: configuration, parameters, dtype and memory of a checkpoint.</summary>
public sealed class InfoCommandTests
{
    [Fact]
    public async Task Json_info_describes_the_f16_fixture()
    {
        var info = await ModelCommandsRunner.RunJsonAsync("info", "--model", FixturePaths.Checkpoint("gpt2-tiny-f16"));
        info.GetProperty("name").GetString().Should().Be("gpt2-tiny-f16");
        info.GetProperty("n_layer").GetInt32().Should().Be(2);
        info.GetProperty("n_embd").GetInt32().Should().Be(64);
        info.GetProperty("n_head").GetInt32().Should().Be(4);
        info.GetProperty("n_inner").GetInt32().Should().Be(256);
        info.GetProperty("n_positions").GetInt32().Should().Be(128);
        info.GetProperty("activation_function").GetString().Should().Be("gelu_new");
        info.GetProperty("dtype").GetString().Should().Be("F16");
        // wte 50257·64 + wpe 128·64 + 2 blocks + ln_f, the tied output layer counted once.
        long parameters = (50257L * 64) + (128 * 64) + (2 * ((4 * 64) + (64 * 192) + 192 + (64 * 64) + 64 + (64 * 256) + 256 + (256 * 64) + 64)) + 128;
        info.GetProperty("parameters").GetInt64().Should().Be(parameters);
        long matrices = (50257L * 64) + (128 * 64) + (2 * ((64 * 192) + (64 * 64) + (64 * 256) + (256 * 64)));
        info.GetProperty("compute_dtype").GetString().Should().Be("f16", "16-bit checkpoints stay 16-bit");
        info.GetProperty("converted_bytes").GetInt64().Should().Be(0);
        info.GetProperty("weight_bytes").GetInt64().Should().Be((matrices * 2) + ((parameters - matrices) * 4), "matrices keep 2 bytes, vectors are fp32");
        info.GetProperty("mapped_bytes").GetInt64().Should().Be(new FileInfo(FixturePaths.Get("gpt2-tiny-f16", "model.safetensors")).Length);
        info.GetProperty("kv_cache_bytes_per_position").GetInt64().Should().Be(2 * 2 * 64 * 4);
    }

    [Fact]
    public async Task Text_info_names_the_shape_and_dtype()
    {
        var (code, output, _) = await ModelCommandsRunner.RunAsync("info", "--model", FixturePaths.Checkpoint("gpt2-tiny"));
        code.Should().Be(0);
        output.Should().Contain("n_layer 2, n_embd 64, n_head 4").And.Contain("F32 stored");
    }

    [Fact]
    public async Task A_folder_that_is_not_a_checkpoint_is_reported()
    {
        string folder = Directory.CreateTempSubdirectory("gpt2kit-info-").FullName;
        try
        {
            (await ModelCommandsRunner.RunFailingAsync("info", "--model", folder)).Should().Contain("config.json was not found");
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
