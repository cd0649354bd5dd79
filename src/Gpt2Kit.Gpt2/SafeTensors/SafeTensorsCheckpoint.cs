using System.Text.Json;
using Gpt2Kit.Files;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2.SafeTensors;

/// <summary>The tensors of a checkpoint folder: one <c>model.safetensors</c>, or the shards listed by the
/// <c>weight_map</c> of <c>model.safetensors.index.json</c>.</summary>
/// <remarks>Read-only after <see cref="Open"/>; thread-safe.</remarks>
internal sealed class SafeTensorsCheckpoint : IDisposable
{
    /// <summary>The single-file checkpoint name.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The index of a sharded checkpoint.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafeTensorsFile> _files;

    private SafeTensorsCheckpoint(List<SafeTensorsFile> files, Dictionary<string, (SafeTensorsFile File, SafeTensorInfo Info)> tensors)
    {
        _files = files;
        Tensors = tensors;
    }

    /// <summary>The mapped files.</summary>
    public IReadOnlyList<SafeTensorsFile> Files => _files;

    /// <summary>Every tensor by its key, with the file that holds it.</summary>
    public IReadOnlyDictionary<string, (SafeTensorsFile File, SafeTensorInfo Info)> Tensors { get; }

    /// <summary>Whether <paramref name="folder"/> holds a safetensors checkpoint.</summary>
    public static bool Exists(string folder) =>
        File.Exists(Path.Combine(folder, SingleFileName)) || File.Exists(Path.Combine(folder, IndexFileName));

    /// <summary>Maps the checkpoint of <paramref name="folder"/>.</summary>
    /// <exception cref="ModelLoadException">No checkpoint file, or a malformed one; the message names the file and tensor.</exception>
    public static SafeTensorsCheckpoint Open(string folder)
    {
        string single = Path.Combine(folder, SingleFileName);
        string index = Path.Combine(folder, IndexFileName);
        if (File.Exists(single))
        {
            var file = SafeTensorsFile.Open(single);
            return new SafeTensorsCheckpoint([file], file.Tensors.ToDictionary(t => t.Key, t => (file, t.Value), StringComparer.Ordinal));
        }

        if (File.Exists(index))
        {
            return OpenSharded(folder, index);
        }

        throw new ModelLoadException($"{folder} holds neither {SingleFileName} nor {IndexFileName}.");
    }

    /// <summary>Unmaps every file.</summary>
    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private static SafeTensorsCheckpoint OpenSharded(string folder, string indexPath)
    {
        var shardOfTensor = ReadWeightMap(folder, indexPath);
        var files = new List<SafeTensorsFile>();
        try
        {
            var tensors = new Dictionary<string, (SafeTensorsFile, SafeTensorInfo)>(StringComparer.Ordinal);
            foreach (string shardName in shardOfTensor.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                string shardPath = Path.Combine(folder, shardName);
                if (!File.Exists(shardPath))
                {
                    throw new ModelLoadException($"{indexPath}: weight_map names the shard '{shardName}', which was not found in {folder}.");
                }

                var file = SafeTensorsFile.Open(shardPath);
                files.Add(file);
                foreach (var (name, info) in file.Tensors)
                {
                    if (!tensors.TryAdd(name, (file, info)))
                    {
                        throw new ModelLoadException($"{shardPath}: tensor '{name}' is also stored in {tensors[name].Item1.Path}.");
                    }
                }
            }

            foreach (var (name, shard) in shardOfTensor)
            {
                if (!tensors.TryGetValue(name, out var found) || Path.GetFileName(found.Item1.Path) != shard)
                {
                    throw new ModelLoadException($"{indexPath}: weight_map puts tensor '{name}' in '{shard}', but that shard has no such tensor.");
                }
            }

            return new SafeTensorsCheckpoint(files, tensors);
        }
        catch
        {
            foreach (var file in files)
            {
                file.Dispose();
            }

            throw;
        }
    }

    private static Dictionary<string, string> ReadWeightMap(string folder, string indexPath)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(BoundedFile.ReadAllBytes(indexPath, BoundedFile.MaxSettingsBytes));
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{indexPath}: not valid JSON ({e.Message}).", e);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException(e.Message, e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new ModelLoadException($"{indexPath}: expected an object with a weight_map object {{tensor name: shard file}}.");
            }

            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                string? shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;

                // Shards are plain file names next to the index; anything else could point outside the folder.
                if (string.IsNullOrEmpty(shard) || shard != Path.GetFileName(shard) || shard is "." or "..")
                {
                    throw new ModelLoadException($"{indexPath}: weight_map entry '{entry.Name}' must name a shard file in {folder}, got {entry.Value.GetRawText()}.");
                }

                result[entry.Name] = shard;
            }

            if (result.Count == 0)
            {
                throw new ModelLoadException($"{indexPath}: weight_map is empty.");
            }

            return result;
        }
    }
}
