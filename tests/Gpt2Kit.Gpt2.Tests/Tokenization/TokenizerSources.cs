using System.Text.Json;
using System.Text.Json.Nodes;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

/// <summary>The tokenizers under test, loaded once per test run: the embedded vocabulary and the fixture checkpoint's
/// files in each of the three layouts <see cref="Gpt2Tokenizer.FromFolder"/> accepts.</summary>
internal static class TokenizerSources
{
    public const string Embedded = "embedded";
    public const string HuggingFaceFiles = "gpt2-tiny (vocab.json + merges.txt)";
    public const string OpenAiFiles = "encoder.json + vocab.bpe";
    public const string TokenizerJson = "tokenizer.json";

    public static readonly string[] All = [Embedded, HuggingFaceFiles, OpenAiFiles, TokenizerJson];

    private static readonly Dictionary<string, Lazy<Gpt2Tokenizer>> Tokenizers = new()
    {
        [Embedded] = new(() => Gpt2Tokenizer.Default),
        [HuggingFaceFiles] = new(() => Gpt2Tokenizer.FromFolder(FixturePaths.Checkpoint("gpt2-tiny"))),
        [OpenAiFiles] = new(LoadOpenAiLayout),
        [TokenizerJson] = new(() => LoadFromTemporaryFolder(WriteTokenizerJson)),
    };

    public static Gpt2Tokenizer Get(string source) => Tokenizers[source].Value;

    public static string VocabularyPath => FixturePaths.Get("gpt2-tiny", "vocab.json");

    public static string MergesPath => FixturePaths.Get("gpt2-tiny", "merges.txt");

    /// <summary>A Hugging Face tokenizer.json built from the fixture vocabulary and merges, with the given added tokens
    /// and merges written as "a b" strings or as [a, b] pairs.</summary>
    public static JsonObject BuildTokenizerJson(JsonArray? addedTokens = null, bool mergesAsPairs = false, bool addPrefixSpace = false)
    {
        var vocab = JsonNode.Parse(File.ReadAllText(VocabularyPath))!.AsObject();
        var merges = new JsonArray();
        foreach (var line in File.ReadLines(MergesPath).Skip(1).Where(l => l.Length > 0))
        {
            var parts = line.Split(' ');
            merges.Add(mergesAsPairs ? new JsonArray(parts[0], parts[1]) : (JsonNode)line);
        }

        addedTokens ??= [new JsonObject { ["id"] = 50256, ["content"] = "<|endoftext|>", ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = true, ["special"] = true }];
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = addedTokens,
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = addPrefixSpace, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject { ["type"] = "BPE", ["dropout"] = null, ["vocab"] = vocab, ["merges"] = merges },
        };
    }

    /// <summary>Writes files into a fresh folder, loads it with <see cref="Gpt2Tokenizer.FromFolder"/> and deletes the folder.</summary>
    public static Gpt2Tokenizer LoadFromTemporaryFolder(Action<string> writeFiles)
    {
        using var folder = new TempFolder("gpt2kit-tokenizer");
        writeFiles(folder.Path);
        return Gpt2Tokenizer.FromFolder(folder.Path);
    }

    private static Gpt2Tokenizer LoadOpenAiLayout() => LoadFromTemporaryFolder(folder =>
    {
        File.Copy(VocabularyPath, Path.Combine(folder, "encoder.json"));
        File.Copy(MergesPath, Path.Combine(folder, "vocab.bpe"));
    });

    private static void WriteTokenizerJson(string folder) =>
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), BuildTokenizerJson(mergesAsPairs: true).ToJsonString());
}

/// <summary>The cases of tests/fixtures/tokenizer.json.</summary>
internal static class TokenizerFixture
{
    public sealed record Case(string Text, int[] Ids);

    public static readonly IReadOnlyList<Case> Cases = FixtureJson.Read<List<Case>>("tokenizer.json");

    public static int[] IdsOf(string text) => Cases.Single(c => c.Text == text).Ids;
}
