using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Gpt2.Tests.Support;

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
}
