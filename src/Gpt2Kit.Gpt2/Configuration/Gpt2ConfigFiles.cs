using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2;

/// <summary>The keys <see cref="Gpt2Config"/> reads from <c>generation_config.json</c>: the special ids. A key set to
/// <c>null</c> counts as absent. Bound by System.Text.Json (<see cref="Gpt2ConfigJsonContext"/>).</summary>
internal class Gpt2SpecialIdsFile
{
    private int? _bosTokenId;

    [JsonPropertyName("eos_token_id")]
    [JsonConverter(typeof(TokenIdListConverter))]
    public int[]? EosTokenId { get; set; }

    [JsonPropertyName("bos_token_id")]
    public int? BosTokenId
    {
        get => _bosTokenId;
        set
        {
            _bosTokenId = value;
            HasBosTokenId = true;
        }
    }

    /// <summary>Whether the file names <c>bos_token_id</c> at all: <c>"bos_token_id": null</c> means no BOS id, while an
    /// absent key takes the default.</summary>
    [JsonIgnore]
    public bool HasBosTokenId { get; private set; }

    [JsonPropertyName("pad_token_id")]
    public int? PadTokenId { get; set; }
}

/// <summary>The keys <see cref="Gpt2Config"/> reads from <c>config.json</c>, under their Hugging Face names (GPT-2's own and
/// the generic aliases); every other key is ignored.</summary>
internal sealed class Gpt2ConfigFile : Gpt2SpecialIdsFile
{
    [JsonPropertyName("model_type")] public string? ModelType { get; set; }

    [JsonPropertyName("vocab_size")] public int? VocabSize { get; set; }

    [JsonPropertyName("n_positions")] public int? NPositions { get; set; }

    [JsonPropertyName("max_position_embeddings")] public int? MaxPositionEmbeddings { get; set; }

    [JsonPropertyName("n_embd")] public int? NEmbd { get; set; }

    [JsonPropertyName("hidden_size")] public int? HiddenSize { get; set; }

    [JsonPropertyName("n_layer")] public int? NLayer { get; set; }

    [JsonPropertyName("num_hidden_layers")] public int? NumHiddenLayers { get; set; }

    [JsonPropertyName("n_head")] public int? NHead { get; set; }

    [JsonPropertyName("num_attention_heads")] public int? NumAttentionHeads { get; set; }

    [JsonPropertyName("n_inner")] public int? NInner { get; set; }

    [JsonPropertyName("layer_norm_epsilon")] public double? LayerNormEpsilon { get; set; }

    [JsonPropertyName("activation_function")] public string? ActivationFunction { get; set; }

    [JsonPropertyName("scale_attn_weights")] public bool? ScaleAttnWeights { get; set; }

    [JsonPropertyName("scale_attn_by_inverse_layer_idx")] public bool? ScaleAttnByInverseLayerIdx { get; set; }

    [JsonPropertyName("reorder_and_upcast_attn")] public bool? ReorderAndUpcastAttn { get; set; }

    [JsonPropertyName("tie_word_embeddings")] public bool? TieWordEmbeddings { get; set; }
}

/// <summary>The source-generated contracts of the two files (strict types: <c>"12"</c> is not an integer, <c>1</c> is not
/// <c>true</c>).</summary>
[JsonSourceGenerationOptions(AllowTrailingCommas = true, ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(Gpt2ConfigFile))]
[JsonSerializable(typeof(Gpt2SpecialIdsFile))]
internal sealed partial class Gpt2ConfigJsonContext : JsonSerializerContext
{
    /// <summary>Parses <paramref name="text"/> into <typeparamref name="T"/>. Every failure is a
    /// <see cref="ModelLoadException"/> naming <paramref name="source"/>, and for a value of the wrong type its key, what the
    /// key takes (from the property's type) and the value as written.</summary>
    public static T Read<T>(string text, string source, JsonTypeInfo<T> contract)
        where T : class
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{source}: not valid JSON ({e.Message}).", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelLoadException($"{source}: expected a JSON object, got {root.ValueKind}.");
            }

            try
            {
                return root.Deserialize(contract)!;
            }
            catch (JsonException e) when (KeyOf(e.Path) is { } key && contract.Properties.FirstOrDefault(p => p.Name == key) is { } property)
            {
                throw new ModelLoadException($"{source}: {key} must be {Describe(property.PropertyType)}, got {root.GetProperty(key).GetRawText()}.", e);
            }
            catch (JsonException e)
            {
                throw new ModelLoadException($"{source}: {e.Message}", e);
            }
        }
    }

    // "$.eos_token_id[1]" → "eos_token_id": the top-level key whose value failed.
    private static string? KeyOf(string? path) =>
        path is not null && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..].Split('.', '[')[0] : null;

    private static string Describe(Type type) =>
        type == typeof(int?) ? "an integer"
        : type == typeof(double?) ? "a number"
        : type == typeof(bool?) ? "true or false"
        : type == typeof(int[]) ? "an integer or a list of integers"
        : "a string";
}

/// <summary>A token id or a list of them (<c>"eos_token_id": 50256</c> or <c>[50256, 50257]</c>), as Hugging Face writes
/// <c>eos_token_id</c>.</summary>
internal sealed class TokenIdListConverter : JsonConverter<int[]>
{
    public override int[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return [ReadId(ref reader)];
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException();
        }

        var ids = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            ids.Add(ReadId(ref reader));
        }

        return [.. ids];
    }

    public override void Write(Utf8JsonWriter writer, int[] value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (int id in value)
        {
            writer.WriteNumberValue(id);
        }

        writer.WriteEndArray();
    }

    private static int ReadId(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int id) ? id : throw new JsonException();
}
