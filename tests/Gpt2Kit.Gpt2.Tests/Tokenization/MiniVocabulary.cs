using Gpt2Kit.Testing;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gpt2Kit.Gpt2.Tokenization;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

/// <summary>A small valid GPT-2 style vocabulary: the 256 byte tokens (ids 0..255 in byte order), four merges that
/// build "hello", and &lt;|endoftext|&gt; as the last id. Tests break copies of it.</summary>
internal static class MiniVocabulary
{
    public static readonly string[] MergeLines = ["h e", "l l", "he ll", "hell o"];

    public static Dictionary<string, int> Tokens()
    {
        var tokens = new Dictionary<string, int>();
        for (int b = 0; b < 256; b++)
        {
            tokens[ByteLevelAlphabet.ToChar((byte)b).ToString()] = b;
        }

        foreach (var merged in new[] { "he", "ll", "hell", "hello", "<|endoftext|>" })
        {
            tokens[merged] = tokens.Count;
        }

        return tokens;
    }

    public static string VocabularyJson(Dictionary<string, int>? tokens = null) => JsonSerializer.Serialize(tokens ?? Tokens());

    public static string MergesText(IEnumerable<string>? lines = null) => "#version: 0.2\n" + string.Join("\n", lines ?? MergeLines) + "\n";

    public static JsonObject TokenizerJson() => new()
    {
        ["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 260, ["content"] = "<|endoftext|>", ["special"] = true }),
        ["model"] = new JsonObject
        {
            ["type"] = "BPE",
            ["vocab"] = JsonNode.Parse(VocabularyJson()),
            ["merges"] = new JsonArray([.. MergeLines.Select(l => (JsonNode)l)]),
        },
    };

    /// <summary>Writes vocab.json and merges.txt into <paramref name="folder"/>.</summary>
    public static void Write(TempFolder folder, string? vocabularyJson = null, string? mergesText = null)
    {
        File.WriteAllText(folder.File("vocab.json"), vocabularyJson ?? VocabularyJson());
        File.WriteAllText(folder.File("merges.txt"), mergesText ?? MergesText());
    }
}
