using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Gpt2Kit.Files;
using Gpt2Kit.Gpt2.Tests.Support;
using Gpt2Kit.Models;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Gpt2.Tests.Reliability;

/// <summary>Files from outside are checked before they are trusted: the safetensors data section is covered exactly,
/// names are UTF-8, config sizes are bounded, every error names its file, and input files have a size limit.</summary>
public sealed class ModelFileValidationTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _model;

    public ModelFileValidationTests()
    {
        CheckpointFiles.CopyFixture("gpt2-tiny", _folder.Path);
        _model = _folder.File("model.safetensors");
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Bytes_after_the_last_tensor_are_refused()
    {
        var (header, data) = CheckpointFiles.Read(_model);
        CheckpointFiles.Write(_model, header, [.. data, .. new byte[64]]);

        LoadError().Should().Be($"{_model}: the tensors cover {data.Length} bytes of the data section, but it holds {data.Length + 64}; the header does not describe the file.");
    }

    [Fact]
    public void A_gap_between_tensors_is_refused_and_located()
    {
        var (header, data) = CheckpointFiles.Read(_model);
        long cut = header["wpe.weight"]!["data_offsets"]![0]!.GetValue<long>();
        foreach (var (_, entry) in header)
        {
            if (entry is JsonObject tensor && tensor["data_offsets"] is JsonArray offsets && offsets[0]!.GetValue<long>() >= cut)
            {
                tensor["data_offsets"] = new JsonArray(offsets[0]!.GetValue<long>() + 32, offsets[1]!.GetValue<long>() + 32);
            }
        }

        CheckpointFiles.Write(_model, header, [.. data[..(int)cut], .. new byte[32], .. data[(int)cut..]]);

        LoadError().Should().Be($"{_model}: bytes [{cut}, {cut + 32}) of the data section belong to no tensor (before 'wpe.weight'); the header does not describe the file.");
    }

    [Fact]
    public void A_tensor_name_that_is_not_utf8_names_the_file()
    {
        var (header, data) = CheckpointFiles.Read(_model);
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString().Replace("\"wpe.weight\"", "\"wpe.weigh\u00ff\"", StringComparison.Ordinal));
        int at = Array.IndexOf(json, (byte)0xC3);
        json[at] = 0xFF;
        CheckpointFiles.WriteRaw(_model, json, data);

        LoadError().Should().Be($"{_model}: the header is not valid UTF-8 (first bad byte at header offset {at}); tensor names must be UTF-8.");
    }

    [Theory]
    [InlineData("n_layer", 100_000, "n_layer must be an integer in 1..1024, got 100000.")]
    [InlineData("n_embd", 1 << 20, "n_embd must be an integer in 1..32768, got 1048576.")]
    [InlineData("n_positions", int.MaxValue, "n_positions must be an integer in 1..1048576, got 2147483647.")]
    [InlineData("vocab_size", 1 << 30, "vocab_size must be an integer in 1..16777216, got 1073741824.")]
    [InlineData("n_head", 65, "n_head must be an integer in 1..64, got 65.")]
    [InlineData("n_inner", 1 << 24, "n_inner must be an integer in 1..131072, got 16777216.")]
    public void Config_sizes_have_upper_bounds_checked_before_anything_is_allocated(string key, int value, string message)
    {
        CheckpointFiles.EditConfig(_folder.Path, key, value);

        LoadError().Should().Be($"{_folder.File("config.json")}: {message}");
    }

    [Fact]
    public void An_id_from_generation_config_is_reported_against_that_file()
    {
        File.WriteAllText(_folder.File("generation_config.json"), """{"eos_token_id": 60000}""");

        LoadError().Should().Be($"{_folder.File("generation_config.json")}: eos_token_id 60000 is outside the vocabulary 0..50256.");
    }

    [Fact]
    public void A_vocabulary_larger_than_the_model_is_refused_when_the_tokenizer_is_loaded()
    {
        foreach (string name in new[] { "vocab.json", "merges.txt" })
        {
            File.Copy(FixturePaths.Get("gpt2-tiny", name), _folder.File(name));
        }

        File.WriteAllText(_folder.File("generation_config.json"), "{}");
        var config = JsonNode.Parse(File.ReadAllText(_folder.File("config.json")))!.AsObject();
        config["vocab_size"] = 1000;
        config["bos_token_id"] = 0;
        config["eos_token_id"] = 0;
        File.WriteAllText(_folder.File("config.json"), config.ToJsonString());

        FluentActions.Invoking(() => new Gpt2ModelLoader().LoadTokenizer(_folder.Path)).Should().Throw<InvalidDataException>()
            .WithMessage($"{_folder.Path}: the tokenizer defines 50257 ids (0..50256), but config.json has vocab_size 1000; the tokenizer files do not belong to this checkpoint.");
    }

    [Fact]
    public void A_vocabulary_that_is_not_utf8_names_the_file()
    {
        string vocab = _folder.File("vocab.json");
        File.WriteAllBytes(vocab, [.. "{\"a\": 0, \""u8, 0xC3, 0x28, .. "\": 1}"u8]);
        File.WriteAllText(_folder.File("merges.txt"), "#version: 0.2\n");

        FluentActions.Invoking(() => Gpt2Kit.Gpt2.Tokenization.Gpt2Tokenizer.FromFiles(vocab, _folder.File("merges.txt")))
            .Should().Throw<InvalidDataException>().WithMessage($"{vocab}: invalid UTF-8 at byte offset 10 (line 1).");
    }

    [Fact]
    public void A_settings_file_over_the_limit_is_refused_without_reading_it()
    {
        string path = _folder.File("huge.json");
        using (var stream = File.Create(path))
        {
            stream.SetLength(BoundedFile.MaxSettingsBytes + 1);
        }

        FluentActions.Invoking(() => BoundedFile.ReadAllBytes(path, BoundedFile.MaxSettingsBytes)).Should().Throw<InvalidDataException>()
            .WithMessage($"'{path}' is {BoundedFile.MaxSettingsBytes + 1} bytes; the limit for this file is {BoundedFile.MaxSettingsBytes} bytes.");
    }

    [Fact]
    public async Task A_device_or_a_pipe_is_refused_promptly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string fifo = _folder.File("config-pipe");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            mkfifo.WaitForExit();
        }

        foreach (string path in new[] { "/dev/zero", fifo })
        {
            // A hang would surface as the TimeoutException of WaitAsync instead of the expected error.
            var read = () => Task.Run(() => BoundedFile.ReadAllBytes(path, BoundedFile.MaxSettingsBytes)).WaitAsync(TimeSpan.FromSeconds(10));
            await read.Should().ThrowAsync<InvalidDataException>()
                .WithMessage($"'{path}' is empty or not a regular file (a pipe or a device); expected a file of 1 to {BoundedFile.MaxSettingsBytes} bytes.");
        }
    }

    private string LoadError() =>
        FluentActions.Invoking(() => Gpt2Model.FromPretrained(_folder.Path, new ModelLoadOptions { Threads = 1 }))
            .Should().Throw<ModelLoadException>().Which.Message;
}
