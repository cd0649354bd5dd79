using System.Text.Json;
using Gpt2Kit.Files;

namespace Gpt2Kit.Hub;

/// <summary>The Hugging Face cache layout of one repository, as Python's <c>huggingface_hub</c> writes it:
/// <c>models--org--name/refs/{revision}</c> holds a commit hash, <c>snapshots/{commit}/{file}</c> are relative symbolic links
/// to <c>blobs/{etag}</c>, <c>.no_exist/{commit}/{file}</c> marks files the repository does not have, and
/// <c>../.locks/models--org--name/{etag}.lock</c> serializes writers of a blob.</summary>
/// <remarks>Stateless apart from the paths; thread-safe. Writers publish with rename, so readers never see half a file.</remarks>
internal sealed class HubCacheLayout
{
    public const string ConfigFile = "config.json";
    public const string GenerationConfigFile = "generation_config.json";
    public const string WeightsFile = "model.safetensors";
    public const string WeightsIndexFile = "model.safetensors.index.json";

    /// <summary>Files every GPT-2 snapshot needs besides the weights.</summary>
    public static readonly string[] RequiredFiles = [ConfigFile, "vocab.json", "merges.txt"];

    public HubCacheLayout(string cacheRoot, HubModelReference reference)
    {
        CacheRoot = cacheRoot;
        Reference = reference;
        RepoFolder = Path.Combine(cacheRoot, reference.CacheFolderName);
    }

    public string CacheRoot { get; }

    public HubModelReference Reference { get; }

    public string RepoFolder { get; }

    public string BlobsFolder => Path.Combine(RepoFolder, "blobs");

    public string BlobPath(string etag) => Path.Combine(BlobsFolder, etag);

    public string SnapshotFolder(string commit) => Path.Combine(RepoFolder, "snapshots", commit);

    public string LockPath(string etag) => Path.Combine(CacheRoot, ".locks", Reference.CacheFolderName, etag + ".lock");

    private string RefPath(string revision) => Path.Combine([RepoFolder, "refs", .. revision.Split('/')]);

    private string NoExistPath(string commit, string file) => Path.Combine(RepoFolder, ".no_exist", commit, file);

    /// <summary>The commit the revision points to in this cache, or null when the cache does not know the revision.</summary>
    public string? ReadCommit()
    {
        if (Reference.IsCommitHash)
        {
            return Reference.Revision;
        }

        string path = RefPath(Reference.Revision);
        return File.Exists(path) ? File.ReadAllText(path).Trim() is { Length: > 0 } commit ? commit : null : null;
    }

    /// <summary>The snapshot folder of the revision when it holds every file a model needs; null otherwise. No network.</summary>
    public string? FindCompleteSnapshot()
    {
        string? commit = ReadCommit();
        if (commit is null || commit.Contains('/') || commit.Contains('\\') || commit.Contains(".."))
        {
            return null;
        }

        string folder = SnapshotFolder(commit);
        return IsComplete(folder) ? folder : null;
    }

    /// <summary>Whether <paramref name="folder"/> has the configuration, the tokenizer files and all the weights.</summary>
    public static bool IsComplete(string folder)
    {
        if (!Directory.Exists(folder) || !RequiredFiles.All(f => HasFile(Path.Combine(folder, f))))
        {
            return false;
        }

        if (HasFile(Path.Combine(folder, WeightsFile)))
        {
            return true;
        }

        string index = Path.Combine(folder, WeightsIndexFile);
        if (!HasFile(index))
        {
            return false;
        }

        try
        {
            return ReadShardNames(ReadIndex(index), WeightsIndexFile).All(s => HasFile(Path.Combine(folder, s)));
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>Whether a file is there to read. File.Exists is true for a link whose blob was deleted, so links are followed.</summary>
    private static bool HasFile(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is null ? info.Exists : info.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true } target && target is FileInfo;
    }

    /// <summary>The bytes of a <c>model.safetensors.index.json</c>, at most <see cref="BoundedFile.MaxSettingsBytes"/>, as the
    /// backend reads it.</summary>
    /// <exception cref="InvalidDataException">The file is empty, not a regular file or over the limit.</exception>
    public static byte[] ReadIndex(string path) => BoundedFile.ReadAllBytes(path, BoundedFile.MaxSettingsBytes);

    /// <summary>The distinct shard files named by a <c>model.safetensors.index.json</c> (<c>weight_map</c> values).</summary>
    /// <exception cref="InvalidDataException">The index is malformed or names a file outside the snapshot.</exception>
    public static IReadOnlyList<string> ReadShardNames(byte[] indexJson, string fileName)
    {
        try
        {
            using var doc = JsonDocument.Parse(indexJson);
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{fileName}: the 'weight_map' object is missing.");
            }

            var shards = new List<string>();
            foreach (var entry in map.EnumerateObject())
            {
                string shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : "";
                if (shard.Length == 0 || Path.IsPathRooted(shard) || shard.Contains("..", StringComparison.Ordinal) || shard.Contains('\\'))
                {
                    throw new InvalidDataException($"{fileName}: weight_map.{entry.Name}: '{shard}' is not a file name inside the repository.");
                }

                if (!shards.Contains(shard))
                {
                    shards.Add(shard);
                }
            }

            return shards.Count > 0 ? shards : throw new InvalidDataException($"{fileName}: 'weight_map' names no shard.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{fileName}: not valid JSON ({e.Message}).", e);
        }
    }

    /// <summary>Makes <c>snapshots/{commit}/{file}</c> point at the blob: a relative symbolic link like Python's, or a copy where
    /// links are not allowed. Replaces what was there by rename, so the path is never half-written.</summary>
    public void LinkSnapshotFile(string commit, string file, string etag)
    {
        string link = Path.Combine(SnapshotFolder(commit), file);
        string linkFolder = Path.GetDirectoryName(link)!;
        Directory.CreateDirectory(linkFolder);
        string blob = BlobPath(etag);
        string temp = link + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            File.CreateSymbolicLink(temp, Path.GetRelativePath(linkFolder, blob));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(blob, temp, overwrite: true);
        }

        File.Move(temp, link, overwrite: true);
    }

    /// <summary>Records that the repository has no such file at this commit, so later lookups need no request.</summary>
    public void MarkMissing(string commit, string file)
    {
        string path = NoExistPath(commit, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (File.Create(path))
        {
        }
    }

    /// <summary>Points the revision at the commit (not for commit hashes, which need no ref).</summary>
    public void WriteRef(string commit)
    {
        if (Reference.IsCommitHash)
        {
            return;
        }

        string path = RefPath(Reference.Revision);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temp, commit);
        File.Move(temp, path, overwrite: true);
    }
}
