using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.ML.Persistence;

/// <summary>Writes <see cref="GenerationOptions"/> as a Hugging Face <c>generation_config.json</c>-style object (every field
/// under its Hugging Face name, nulls kept so that "off" stays off) and reads it back with the library's own reader,
/// <see cref="GenerationConfiguration.FromJson"/>. An explicit processor chain goes under <c>processors</c>.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class GenerationOptionsJson
{
    private const string ProcessorsKey = "processors";

    private static readonly (string Key, PropertyInfo Property)[] Fields = typeof(GenerationOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null && p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null)
        .Select(p => (p.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name, p))
        .ToArray();

    public static JsonObject Write(GenerationOptions options)
    {
        var json = new JsonObject();
        foreach (var (key, property) in Fields)
        {
            json[key] = ToNode(key, property.GetValue(options));
        }

        if (options.Processors is { } processors)
        {
            var list = new JsonArray();
            foreach (var spec in processors)
            {
                var settings = new JsonObject();
                foreach (var (key, value) in Flatten(spec.Settings))
                {
                    settings[key] = value;
                }

                list.Add(new JsonObject { ["type"] = spec.Type, ["settings"] = settings });
            }

            json[ProcessorsKey] = list;
        }

        return json;
    }

    /// <exception cref="GenerationConfigurationException">A saved value is no longer valid.</exception>
    public static GenerationOptions Read(JsonObject json)
    {
        var fields = new JsonObject();
        foreach (var (key, value) in json)
        {
            if (key != ProcessorsKey)
            {
                fields[key] = value?.DeepClone();
            }
        }

        var options = GenerationConfiguration.FromJson(fields.ToJsonString());
        if (json[ProcessorsKey] is JsonArray processors)
        {
            options.Processors = processors.Select(p => ProcessorSpec.Create(
                p!["type"]!.GetValue<string>(),
                [.. p["settings"]!.AsObject().Select(s => (s.Key, s.Value?.GetValue<string>()))])).ToList();
        }

        return options;
    }

    private static JsonNode? ToNode(string key, object? value) => value switch
    {
        null => null,
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        string s => JsonValue.Create(s),
        EarlyStopping e => e switch
        {
            EarlyStopping.True => JsonValue.Create(true),
            EarlyStopping.False => JsonValue.Create(false),
            _ => JsonValue.Create("never"),
        },
        ExponentialDecayLengthPenalty p => new JsonArray(JsonValue.Create(p.Start), JsonValue.Create(p.Factor)),
        IDictionary<int, double> bias => new JsonObject(bias.Select(b =>
            new KeyValuePair<string, JsonNode?>(b.Key.ToString(CultureInfo.InvariantCulture), JsonValue.Create(b.Value)))),
        IEnumerable<SequenceBias> biases => new JsonArray([.. biases.Select(b => (JsonNode)new JsonArray(ToNode(key, b.Tokens), JsonValue.Create(b.Bias)))]),
        IEnumerable list => new JsonArray([.. list.Cast<object>().Select(item => ToNode(key, item))]),
        _ => throw new NotSupportedException($"Generation option '{key}' has a type ({value.GetType().Name}) that cannot be saved."),
    };

    private static IEnumerable<(string Key, string? Value)> Flatten(IConfiguration configuration, string prefix = "")
    {
        foreach (var child in configuration.GetChildren())
        {
            string key = prefix + child.Key;
            if (child.Value is not null)
            {
                yield return (key, child.Value);
            }

            foreach (var nested in Flatten(child, key + ":"))
            {
                yield return nested;
            }
        }
    }
}
