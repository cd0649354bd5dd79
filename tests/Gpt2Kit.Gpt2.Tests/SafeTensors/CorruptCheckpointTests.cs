using Gpt2Kit.Testing;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Gpt2Kit.Gpt2.Tests.Support;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2.Tests.SafeTensors;

/// <summary>Every malformed checkpoint fails with a <see cref="ModelLoadException"/> that names the file and the tensor or key.</summary>
public sealed class CorruptCheckpointTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _model;

    public CorruptCheckpointTests()
    {
        CheckpointFiles.CopyFixture("gpt2-tiny", _folder.Path);
        _model = _folder.File("model.safetensors");
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_truncated_file_names_the_tensor_whose_data_is_cut_off()
    {
        byte[] bytes = File.ReadAllBytes(_model);
        File.WriteAllBytes(_model, bytes[..(bytes.Length - 1000)]);
        LoadError().Should().Contain(_model).And.Contain("'wte.weight'").And.Contain("beyond the end of the data");
    }

    [Fact]
    public void A_file_shorter_than_the_length_prefix_is_truncated()
    {
        File.WriteAllBytes(_model, [1, 2, 3]);
        LoadError().Should().Contain(_model).And.Contain("truncated: 3 bytes");
    }

    [Fact]
    public void A_header_length_past_the_end_of_the_file_is_reported()
    {
        byte[] bytes = File.ReadAllBytes(_model);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)bytes.Length);
        File.WriteAllBytes(_model, bytes);
        LoadError().Should().Contain(_model).And.Contain($"header length {bytes.Length} runs past the end of the file");
    }

    [Fact]
    public void A_header_that_is_not_json_is_reported()
    {
        byte[] header = Encoding.UTF8.GetBytes("{\"wte.weight\": [oops");
        byte[] bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(_model, bytes);
        LoadError().Should().Contain(_model).And.Contain("header is not valid JSON");
    }

    [Fact]
    public void An_unknown_dtype_names_the_tensor_and_the_dtype()
    {
        CheckpointFiles.EditHeader(_model, h => h["wpe.weight"]!["dtype"] = "Q4");
        LoadError().Should().Contain(_model).And.Contain("'wpe.weight'").And.Contain("unknown dtype 'Q4'");
    }

    [Fact]
    public void A_dtype_the_backend_cannot_compute_with_lists_the_supported_ones()
    {
        CheckpointFiles.EditHeader(_model, h => h["h.0.ln_1.bias"]!["dtype"] = "I32");
        LoadError().Should().Contain(_model).And.Contain("'h.0.ln_1.bias' has dtype I32; supported: F32, F16, BF16");
    }

    [Fact]
    public void Data_offsets_beyond_the_data_are_reported()
    {
        CheckpointFiles.EditHeader(_model, h => h["ln_f.bias"]!["data_offsets"] = new JsonArray(13_298_944, 13_299_200));
        LoadError().Should().Contain(_model).And.Contain("'ln_f.bias'").And.Contain("beyond the end of the data (13298944 bytes)");
    }

    [Fact]
    public void Overlapping_tensors_are_reported_by_name()
    {
        CheckpointFiles.EditHeader(_model, h => h["h.0.ln_1.bias"]!["data_offsets"] = h["h.0.ln_1.weight"]!["data_offsets"]!.DeepClone());
        LoadError().Should().Contain(_model).And.Contain("'h.0.ln_1.bias'").And.Contain("'h.0.ln_1.weight'").And.Contain("overlap");
    }

    [Fact]
    public void A_shape_that_does_not_match_its_bytes_is_reported()
    {
        CheckpointFiles.EditHeader(_model, h => h["h.0.attn.c_attn.bias"]!["shape"] = new JsonArray(64));
        LoadError().Should().Contain("'h.0.attn.c_attn.bias' of shape [64] and dtype F32 needs 256 bytes, but its data_offsets [0, 768] span 768");
    }

    [Fact]
    public void A_shape_that_disagrees_with_the_config_names_tensor_and_config()
    {
        CheckpointFiles.EditConfig(_folder.Path, "n_positions", 64);
        LoadError().Should().Contain(_model).And.Contain("'wpe.weight' has shape [128, 64], but config.json").And.Contain("requires [64, 64]");
    }

    [Fact]
    public void A_transposed_weight_is_caught_when_it_is_not_square()
    {
        CheckpointFiles.EditHeader(_model, h => h["h.1.mlp.c_fc.weight"]!["shape"] = new JsonArray(256, 64));
        LoadError().Should().Contain("'h.1.mlp.c_fc.weight' has shape [256, 64]").And.Contain("requires [64, 256]");
    }

    [Fact]
    public void A_missing_tensor_is_named_with_and_without_the_prefix()
    {
        CheckpointFiles.EditHeader(_model, h =>
        {
            var entry = h["h.1.mlp.c_fc.bias"]!;
            h.Remove("h.1.mlp.c_fc.bias");
            h["h.1.mlp.c_fc.extra"] = entry;
        });
        LoadError().Should().Contain(_model).And.Contain("'h.1.mlp.c_fc.bias' (or 'transformer.h.1.mlp.c_fc.bias') of shape [256] is missing");
    }

    [Fact]
    public void The_same_tensor_with_and_without_the_prefix_is_ambiguous()
    {
        CheckpointFiles.EditHeader(_model, h =>
        {
            var entry = h["ln_f.bias"]!;
            h.Remove("ln_f.bias");
            h["transformer.ln_f.bias"] = entry;
            h["ln_f.bias"] = new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray(0), ["data_offsets"] = new JsonArray(0, 0) };
        });
        LoadError().Should().Contain("both 'ln_f.bias' and 'transformer.ln_f.bias'");
    }

    [Fact]
    public void A_folder_without_weights_says_which_files_it_looked_for()
    {
        File.Delete(_model);
        LoadError().Should().Contain(_folder.Path).And.Contain("neither model.safetensors nor model.safetensors.index.json");
    }

    [Fact]
    public void A_folder_without_config_names_the_missing_file()
    {
        File.Delete(_folder.File("config.json"));
        LoadError().Should().Contain(_folder.File("config.json")).And.Contain("was not found");
    }

    private string LoadError()
    {
        var error = FluentActions.Invoking(() => Gpt2Model.FromPretrained(_folder.Path, new ModelLoadOptions { Threads = 1 }))
            .Should().Throw<ModelLoadException>().Which;
        return error.Message;
    }
}
