using System.Text;
using System.Text.Json;
using Gpt2Kit.Files;

namespace Gpt2Kit.Gpt2.Tokenization;

/// <summary>What a tokenizer file set describes: the vocabulary, the merges resolved to ids, and the added tokens.</summary>
/// <remarks>Used once while loading; not shared.</remarks>
internal sealed record TokenizerDefinition(
    string Source,
    Dictionary<string, int> Vocabulary,
    List<(int Left, int Right, int Merged)> Merges,
    IReadOnlyList<AddedToken> AddedTokens,
    bool AddPrefixSpace);

/// <summary>Reads the three GPT-2 tokenizer layouts: Hugging Face <c>vocab.json</c> + <c>merges.txt</c>, OpenAI
/// <c>encoder.json</c> + <c>vocab.bpe</c> (the same formats under other names) and Hugging Face <c>tokenizer.json</c>.
/// Every error names the file and the line, key or value at fault.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class TokenizerFileReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads a whole file (at most <see cref="BoundedFile.MaxTokenizerBytes"/>); a missing file becomes a
    /// <see cref="FileNotFoundException"/> that names it, and bytes that are not UTF-8 an error that names it too.</summary>
    public static byte[] ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The tokenizer file '{path}' does not exist.", path);
        }

        var bytes = BoundedFile.ReadAllBytes(path, BoundedFile.MaxTokenizerBytes);
        RequireUtf8(bytes, path);
        return bytes;
    }

    /// <summary>Tokens are compared as exact strings: a file that is not UTF-8 cannot define them.</summary>
    public static void RequireUtf8(ReadOnlySpan<byte> bytes, string source)
    {
        int at = Utf8Validation.FirstInvalidByte(bytes);
        if (at >= 0)
        {
            throw new InvalidDataException($"{source}: invalid UTF-8 at byte offset {at} (line {1 + bytes[..at].Count((byte)'\n')}).");
        }
    }

    /// <summary>Parses a JSON object mapping each token to its id (<c>vocab.json</c>, <c>encoder.json</c>).</summary>
    public static Dictionary<string, int> ReadVocabulary(ReadOnlySpan<byte> json, string source)
    {
        RequireUtf8(json, source);
        json = SkipByteOrderMark(json);
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new InvalidDataException($"{source}: expected a JSON object mapping tokens to ids, found {Describe(reader)} at line {LineOf(json, reader)}.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string token = reader.GetString()!;
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int id) || id < 0)
                {
                    throw new InvalidDataException(
                        $"{source}: line {LineOf(json, reader)}: token \"{token}\" has the id {Describe(reader)}; expected an integer in 0..{int.MaxValue}.");
                }

                vocabulary[token] = id;
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                throw new InvalidDataException($"{source}: line {LineOf(json, reader)}: unexpected {Describe(reader)} after the token map.");
            }
        }
        catch (JsonException e)
        {
            throw InvalidJson(source, e);
        }

        return vocabulary;
    }

    /// <summary>Parses a merges file (<c>merges.txt</c>, <c>vocab.bpe</c>): an optional <c>#version</c> line, then one
    /// merge per line as two tokens separated by one space, in rank order.</summary>
    public static List<(int Left, int Right, int Merged)> ReadMerges(ReadOnlySpan<byte> bytes, string source, Dictionary<string, int> vocabulary, string vocabularySource)
    {
        string text = DecodeStrict(bytes, source);
        var merges = new List<(int, int, int)>();
        int lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            var line = rawLine;
            if (line.IsWhiteSpace() || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            int space = line.IndexOf(' ');
            if (space <= 0 || space == line.Length - 1 || line[(space + 1)..].Contains(' '))
            {
                throw new InvalidDataException($"{source}: line {lineNumber}: '{line}' is not a merge; expected two tokens separated by one space.");
            }

            merges.Add(ResolveMerge(line[..space].ToString(), line[(space + 1)..].ToString(), $"{source}: line {lineNumber}", vocabulary, vocabularySource));
        }

        return merges;
    }

    /// <summary>Parses a Hugging Face <c>tokenizer.json</c> with a BPE model: <c>model.vocab</c>, <c>model.merges</c>
    /// (as <c>"a b"</c> strings or <c>["a", "b"]</c> pairs), <c>added_tokens</c> and the ByteLevel <c>add_prefix_space</c>.</summary>
    public static TokenizerDefinition ReadTokenizerJson(ReadOnlySpan<byte> json, string source)
    {
        RequireUtf8(json, source);
        json = SkipByteOrderMark(json);
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source}: expected a JSON object, found {root.ValueKind}.");
            }

            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source}: 'model' is missing or not an object.");
            }

            if (model.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() != "BPE")
            {
                throw new InvalidDataException($"{source}: model.type is '{type.GetString()}'; only 'BPE' (GPT-2 byte-level BPE) is supported.");
            }

            if (!model.TryGetProperty("vocab", out var vocabElement) || vocabElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source}: model.vocab is missing or not an object.");
            }

            var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in vocabElement.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                {
                    throw new InvalidDataException($"{source}: model.vocab[\"{entry.Name}\"] is {entry.Value.GetRawText()}; expected an integer in 0..{int.MaxValue}.");
                }

                vocabulary[entry.Name] = id;
            }

            var merges = new List<(int, int, int)>();
            if (!model.TryGetProperty("merges", out var mergesElement) || mergesElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{source}: model.merges is missing or not an array.");
            }

            int index = 0;
            foreach (var merge in mergesElement.EnumerateArray())
            {
                string where = $"{source}: model.merges[{index++}]";
                var (left, right) = ReadMergePair(merge, where);
                merges.Add(ResolveMerge(left, right, where, vocabulary, $"{source} model.vocab"));
            }

            return new TokenizerDefinition(source, vocabulary, merges, ReadAddedTokens(root, source), ReadAddPrefixSpace(root));
        }
        catch (JsonException e)
        {
            throw InvalidJson(source, e);
        }
    }

    private static (string Left, string Right) ReadMergePair(JsonElement merge, string where)
    {
        if (merge.ValueKind == JsonValueKind.String)
        {
            string text = merge.GetString()!;
            int space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && space < text.Length - 1 && text.IndexOf(' ', space + 1) < 0)
            {
                return (text[..space], text[(space + 1)..]);
            }
        }
        else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                 && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
        {
            return (merge[0].GetString()!, merge[1].GetString()!);
        }

        throw new InvalidDataException($"{where} is {merge.GetRawText()}; expected \"left right\" or [\"left\", \"right\"].");
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, string source)
    {
        var added = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return added;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{source}: added_tokens is {array.ValueKind}; expected an array.");
        }

        int index = 0;
        foreach (var item in array.EnumerateArray())
        {
            string where = $"{source}: added_tokens[{index++}]";
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt32(out int idValue) || idValue < 0
                || !item.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String || content.GetString()!.Length == 0)
            {
                throw new InvalidDataException($"{where} is {item.GetRawText()}; expected an object with a non-negative integer \"id\" and a non-empty string \"content\".");
            }

            added.Add(new AddedToken(content.GetString()!, idValue, Flag(item, "special", where), Flag(item, "lstrip", where), Flag(item, "rstrip", where)));
        }

        return added;
    }

    private static bool Flag(JsonElement item, string name, string where)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"{where}.{name} is {value.GetRawText()}; expected true or false."),
        };
    }

    // ByteLevel's add_prefix_space, at the top level or inside a Sequence of pre-tokenizers.
    private static bool ReadAddPrefixSpace(JsonElement root)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        IEnumerable<JsonElement> candidates = pre.TryGetProperty("pretokenizers", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray()
            : [pre];
        return candidates.Any(p => p.ValueKind == JsonValueKind.Object
                                   && p.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "ByteLevel"
                                   && p.TryGetProperty("add_prefix_space", out var a) && a.ValueKind == JsonValueKind.True);
    }

    private static (int, int, int) ResolveMerge(string left, string right, string where, Dictionary<string, int> vocabulary, string vocabularySource)
    {
        string merged = left + right;
        foreach (string token in (ReadOnlySpan<string>)[left, right, merged])
        {
            if (!vocabulary.ContainsKey(token))
            {
                throw new InvalidDataException($"{where}: the merge '{left} {right}' needs the token '{token}', which is not in {vocabularySource}.");
            }
        }

        return (vocabulary[left], vocabulary[right], vocabulary[merged]);
    }

    private static string DecodeStrict(ReadOnlySpan<byte> bytes, string source)
    {
        bytes = SkipByteOrderMark(bytes);
        RequireUtf8(bytes, source);
        return StrictUtf8.GetString(bytes);
    }

    private static ReadOnlySpan<byte> SkipByteOrderMark(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes[3..] : bytes;

    private static InvalidDataException InvalidJson(string source, JsonException e) =>
        new($"{source}: invalid JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);

    private static long LineOf(ReadOnlySpan<byte> json, in Utf8JsonReader reader) =>
        json[..(int)Math.Min(reader.TokenStartIndex, json.Length)].Count((byte)'\n') + 1;

    private static string Describe(in Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.None => "nothing",
        JsonTokenType.String or JsonTokenType.PropertyName => $"\"{reader.GetString()}\"",
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => reader.TokenType.ToString(),
    };
}
