using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace Gpt2Kit.Testing;

/// <summary>Copies of the fixture checkpoints, and surgery on safetensors headers for the bad-input tests.</summary>
public static class CheckpointFiles
{
    /// <summary>Copies config.json, generation_config.json and model.safetensors of a fixture checkpoint into <paramref name="folder"/>.</summary>
    public static string CopyFixture(string checkpoint, string folder)
    {
        foreach (string name in new[] { "config.json", "generation_config.json", "model.safetensors" })
        {
            File.Copy(FixturePaths.Get(checkpoint, name), Path.Combine(folder, name), overwrite: true);
        }

        return folder;
    }

    /// <summary>The header object and the data bytes of a safetensors file.</summary>
    public static (JsonObject Header, byte[] Data) Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, length))!.AsObject();
        return (header, bytes[(8 + length)..]);
    }

    /// <summary>Writes a safetensors file from a header object and data bytes.</summary>
    public static void Write(string path, JsonObject header, byte[] data) => WriteRaw(path, Encoding.UTF8.GetBytes(header.ToJsonString()), data);

    /// <summary>Writes a safetensors file from header bytes as given (which need not be valid JSON or UTF-8) and data bytes.</summary>
    public static void WriteRaw(string path, byte[] json, byte[] data)
    {
        using var stream = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        stream.Write(length);
        stream.Write(json);
        stream.Write(data);
    }

    /// <summary>Rewrites the header of <paramref name="path"/> in place (the data is kept).</summary>
    public static void EditHeader(string path, Action<JsonObject> edit)
    {
        var (header, data) = Read(path);
        edit(header);
        Write(path, header, data);
    }

    /// <summary>Rewrites one key of config.json.</summary>
    public static void EditConfig(string folder, string key, JsonNode? value)
    {
        string path = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config[key] = value;
        File.WriteAllText(path, config.ToJsonString());
    }

    /// <summary>Writes the tensors of <paramref name="checkpoint"/>'s model.safetensors into <paramref name="folder"/> as
    /// <paramref name="shards"/> files with a model.safetensors.index.json, next to copies of its config files.</summary>
    public static void Reshard(string checkpoint, string folder, int shards)
    {
        foreach (string name in new[] { "config.json", "generation_config.json" })
        {
            File.Copy(FixturePaths.Get(checkpoint, name), Path.Combine(folder, name), overwrite: true);
        }

        var (header, data) = Read(FixturePaths.Get(checkpoint, "model.safetensors"));
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

            Write(Path.Combine(folder, file), shardHeader, shardData.ToArray());
        }

        File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"),
            new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = weightMap }.ToJsonString());
    }
}
