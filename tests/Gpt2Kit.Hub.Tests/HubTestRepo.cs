using Gpt2Kit.Testing;

namespace Gpt2Kit.Hub.Tests;

/// <summary>The files of the gpt2-tiny fixture checkpoint, as a hub repository would hold them, and a temporary cache folder.</summary>
internal static class HubTestRepo
{
    public const string CommitA = "0123456789abcdef0123456789abcdef01234567";
    public const string CommitB = "89abcdef0123456789abcdef0123456789abcdef";

    private static readonly Lazy<IReadOnlyDictionary<string, byte[]>> TinyFiles = new(() =>
        Directory.GetFiles(FixturePaths.Checkpoint("gpt2-tiny")).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes));

    /// <summary>config.json, generation_config.json, vocab.json, merges.txt, model.safetensors of gpt2-tiny.</summary>
    public static IReadOnlyDictionary<string, byte[]> Files => TinyFiles.Value;

    public static Dictionary<string, byte[]> FilesWith(Action<Dictionary<string, byte[]>> change)
    {
        var files = new Dictionary<string, byte[]>(Files, StringComparer.Ordinal);
        change(files);
        return files;
    }

    public static TempFolder CreateCache() => new();
}
