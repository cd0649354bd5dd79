using System.Text.Json.Nodes;
using Gpt2Kit.Gpt2.SafeTensors;
using Gpt2Kit.Gpt2.Tests.Support;
using Gpt2Kit.Models;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Gpt2.Tests.SafeTensors;

/// <summary>Sharded checkpoints (<c>model.safetensors.index.json</c> with a <c>weight_map</c>) load like single files.</summary>
public sealed class ShardedCheckpointTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Three_shards_of_the_fixture_give_identical_logits()
    {
        Reshard(shards: 3);
        int[] ids = [464, 2068, 7586, 21831];
        using var sharded = Gpt2Model.FromPretrained(_folder.Path, new ModelLoadOptions { Threads = 2 });
        ModelRunner.LastLogits(sharded, ids).Should().Equal(ModelRunner.LastLogits(ModelRunner.Model("gpt2-tiny"), ids));
        sharded.MappedBytes.Should().BeGreaterThan(13_000_000);
        sharded.ConvertedBytes.Should().Be(0, "fp32 weights are used from the mapped files");
    }

    [Fact]
    public void A_missing_shard_is_named()
    {
        Reshard(shards: 2);
        File.Delete(_folder.File("model-00002-of-00002.safetensors"));
        LoadError().Should().Contain("model.safetensors.index.json").And.Contain("'model-00002-of-00002.safetensors', which was not found");
    }

    [Fact]
    public void A_weight_map_entry_that_leaves_the_folder_is_rejected()
    {
        Reshard(shards: 2);
        EditIndex(map => map["wte.weight"] = "../elsewhere.safetensors");
        LoadError().Should().Contain("weight_map entry 'wte.weight' must name a shard file");
    }

    [Fact]
    public void A_weight_map_entry_for_a_tensor_the_shard_lacks_is_named()
    {
        Reshard(shards: 2);
        EditIndex(map => map["h.9.attn.c_attn.weight"] = "model-00001-of-00002.safetensors");
        LoadError().Should().Contain("puts tensor 'h.9.attn.c_attn.weight' in 'model-00001-of-00002.safetensors', but that shard has no such tensor");
    }

    [Fact]
    public void The_random_checkpoint_writer_can_shard_and_prefix_keys()
    {
        var config = Gpt2Config.FromPreset("tiny");
        Gpt2RandomCheckpoint.Write(_folder.Path, config, SafeTensorsDType.F32, seed: 1, progress: null, keyPrefix: "transformer.", maxShardBytes: 4_000_000);
        Directory.GetFiles(_folder.Path, "model-*.safetensors").Length.Should().BeGreaterThan(1);
        using var model = Gpt2Model.FromPretrained(_folder.Path, new ModelLoadOptions { Threads = 1 });
        model.ParameterCount.Should().Be(config.ParameterCount);
        ModelRunner.LastLogits(model, [1, 2, 3]).Should().OnlyContain(v => float.IsFinite(v));
    }

    private void Reshard(int shards)
    {
        foreach (string name in new[] { "config.json", "generation_config.json" })
        {
            File.Copy(FixturePaths.Get("gpt2-tiny", name), _folder.File(name));
        }

        var (header, data) = CheckpointFiles.Read(FixturePaths.Get("gpt2-tiny", "model.safetensors"));
        var names = header.Select(p => p.Key).Where(k => k != "__metadata__").ToList();
        var weightMap = new JsonObject();
        for (int s = 0; s < shards; s++)
        {
            string file = $"model-{s + 1:D5}-of-{shards:D5}.safetensors";
            var shardHeader = new JsonObject();
            using var shardData = new MemoryStream();
            foreach (string name in names.Where((_, i) => i % shards == s))
            {
                var offsets = header[name]!["data_offsets"]!.AsArray();
                int begin = (int)offsets[0]!, end = (int)offsets[1]!;
                shardHeader[name] = new JsonObject
                {
                    ["dtype"] = header[name]!["dtype"]!.DeepClone(),
                    ["shape"] = header[name]!["shape"]!.DeepClone(),
                    ["data_offsets"] = new JsonArray(shardData.Length, shardData.Length + (end - begin)),
                };
                shardData.Write(data, begin, end - begin);
                weightMap[name] = file;
            }

            CheckpointFiles.Write(_folder.File(file), shardHeader, shardData.ToArray());
        }

        File.WriteAllText(_folder.File("model.safetensors.index.json"), new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = weightMap }.ToJsonString());
    }

    private void EditIndex(Action<JsonObject> edit)
    {
        string path = _folder.File("model.safetensors.index.json");
        var index = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(index["weight_map"]!.AsObject());
        File.WriteAllText(path, index.ToJsonString());
    }

    private string LoadError() =>
        FluentActions.Invoking(() => Gpt2Model.FromPretrained(_folder.Path, new ModelLoadOptions { Threads = 1 }))
            .Should().Throw<ModelLoadException>().Which.Message;
}
