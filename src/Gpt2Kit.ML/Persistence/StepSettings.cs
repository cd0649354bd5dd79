using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Gpt2Kit.ML.Persistence;

/// <summary>What a saved model keeps of a Gpt2Kit step, as JSON: the step, the model reference (a folder or hub name, never
/// the weights), the batch size, the columns and the generation options under their Hugging Face names.</summary>
/// <remarks>Mutable; not thread-safe while being changed.</remarks>
internal sealed class StepSettings
{
    /// <summary>The version of this layout; a loader refuses newer ones.</summary>
    public const int CurrentFormat = 1;

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    [JsonPropertyName("format")] public int Format { get; set; } = CurrentFormat;

    [JsonPropertyName("step")] public string Step { get; set; } = "";

    [JsonPropertyName("model")] public string Model { get; set; } = "";

    [JsonPropertyName("batch_size")] public int BatchSize { get; set; }

    [JsonPropertyName("input_column")] public string InputColumn { get; set; } = "";

    [JsonPropertyName("prompt_column")] public string? PromptColumn { get; set; }

    /// <summary>Output column names by role (<c>text</c>, <c>token_count</c>, …); a role left out is not produced.</summary>
    [JsonPropertyName("outputs")] public Dictionary<string, string> Outputs { get; set; } = [];

    [JsonPropertyName("seed_per_row")] public bool SeedPerRow { get; set; }

    /// <summary>The generation options (Hugging Face names) and, under <c>processors</c>, an explicit chain; null for the
    /// generator's defaults.</summary>
    [JsonPropertyName("generation")] public JsonObject? Generation { get; set; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads settings written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">The text is not such settings, or comes from a newer Gpt2Kit.</exception>
    public static StepSettings FromJson(string json)
    {
        StepSettings? settings;
        try
        {
            settings = JsonSerializer.Deserialize<StepSettings>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The saved Gpt2Kit step settings are not valid JSON: {e.Message}", e);
        }

        if (settings is null || string.IsNullOrEmpty(settings.Step) || string.IsNullOrEmpty(settings.Model))
        {
            throw new InvalidDataException("The saved Gpt2Kit step settings lack the step or the model reference.");
        }

        if (settings.Format > CurrentFormat)
        {
            throw new InvalidDataException(
                $"The saved {settings.Step} step has settings format {settings.Format}; this Gpt2Kit.ML reads format {CurrentFormat} and older. Use a newer Gpt2Kit.ML.");
        }

        return settings;
    }

    /// <summary>The settings as Base64 of their UTF-8 JSON: a string literal that needs no escaping in an ML.NET expression.</summary>
    public string ToBase64() => Convert.ToBase64String(Encoding.UTF8.GetBytes(ToJson()));

    /// <summary>Reads <see cref="ToBase64"/>'s text.</summary>
    /// <exception cref="InvalidDataException">The text is not Base64 of such settings.</exception>
    public static StepSettings FromBase64(string text)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException("The saved Gpt2Kit step settings are damaged (not Base64).", e);
        }

        return FromJson(Encoding.UTF8.GetString(bytes));
    }
}
