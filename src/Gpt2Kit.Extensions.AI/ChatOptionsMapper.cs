using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Microsoft.Extensions.AI;

namespace Gpt2Kit.Extensions.AI;

/// <summary>Turns <see cref="ChatOptions"/> into <see cref="GenerationOptions"/>: the typed fields map to their Hugging Face
/// counterparts, and <see cref="ChatOptions.AdditionalProperties"/> whose keys are Hugging Face names (the
/// <see cref="JsonPropertyNameAttribute"/> names of <see cref="GenerationOptions"/>) are bound last, so they win.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class ChatOptionsMapper
{
    private static readonly HashSet<string> GenerationKeys = typeof(GenerationOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
        .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
        .OfType<string>()
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The options of one chat request.</summary>
    /// <param name="chat">The caller's options, or null.</param>
    /// <param name="defaults">What the request starts from; not changed.</param>
    /// <param name="defaultMaxOutputTokens">New tokens when nothing else says.</param>
    /// <param name="formatStops">The prompt format's stop sequences.</param>
    /// <exception cref="GenerationConfigurationException">A value is out of range; the message names the option.</exception>
    public static GenerationOptions Map(ChatOptions? chat, GenerationOptions defaults, int defaultMaxOutputTokens, IReadOnlyList<string> formatStops)
    {
        var options = defaults.Clone();
        options.MaxNewTokens ??= defaultMaxOutputTokens;

        if (chat is not null)
        {
            ApplyTypedOptions(chat, options);
        }

        var stops = new List<string>();
        foreach (string stop in (options.StopStrings ?? []).Concat(formatStops).Concat(chat?.StopSequences ?? []))
        {
            if (!string.IsNullOrEmpty(stop) && !stops.Contains(stop, StringComparer.Ordinal))
            {
                stops.Add(stop);
            }
        }

        options.StopStrings = stops.Count > 0 ? stops : null;

        if (chat?.AdditionalProperties is { Count: > 0 } extra)
        {
            options = BindHuggingFaceKeys(extra, options);
        }

        if (options.NumReturnSequences is { } returned && returned != 1)
        {
            throw new GenerationConfigurationException("num_return_sequences", returned.ToString(CultureInfo.InvariantCulture),
                "1 (a chat response holds one message)");
        }

        return options;
    }

    // Each typed field is checked by its Hugging Face option's rule, so the message is the one the library, configuration
    // and the CLI give (option name, value, allowed range).
    private static void ApplyTypedOptions(ChatOptions chat, GenerationOptions options)
    {
        if (chat.MaxOutputTokens is int maxTokens)
        {
            options.MaxNewTokens = GenerationOptionRules.MaxNewTokens.Check(maxTokens);
        }

        if (chat.Temperature is float temperature)
        {
            // Temperature 0 is the usual way to ask for deterministic output: greedy search, with temperature left alone
            // (Hugging Face rejects 0 as a temperature).
            options.DoSample = temperature != 0;
            if (temperature != 0)
            {
                options.Temperature = GenerationOptionRules.Temperature.Check(Widen(temperature));
            }
        }

        if (chat.TopP is float topP)
        {
            options.TopP = GenerationOptionRules.TopP.Check(Widen(topP));
            options.DoSample |= chat.Temperature is null; // nucleus sampling only means something when sampling
        }

        if (chat.TopK is int topK)
        {
            options.TopK = GenerationOptionRules.TopK.Check(topK);
            options.DoSample |= chat.Temperature is null;
        }

        if (chat.Seed is long seed)
        {
            options.Seed = seed;
        }

        if (chat.FrequencyPenalty is float frequency)
        {
            options.FrequencyPenalty = GenerationOptionRules.FrequencyPenalty.Check(Widen(frequency));
        }

        if (chat.PresencePenalty is float presence)
        {
            options.PresencePenalty = GenerationOptionRules.PresencePenalty.Check(Widen(presence));
        }
    }

    // Hugging Face knobs arrive as objects of any shape (numbers, strings, JsonElements, arrays); they go through the same
    // binder as generation_config.json, so types and ranges are checked once, with the key in the message.
    private static GenerationOptions BindHuggingFaceKeys(AdditionalPropertiesDictionary extra, GenerationOptions options)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            bool any = false;
            foreach (var (key, value) in extra)
            {
                if (!GenerationKeys.Contains(key))
                {
                    continue; // not ours: other middleware may use AdditionalProperties too
                }

                any = true;
                writer.WritePropertyName(key);
                JsonSerializer.Serialize(writer, value);
            }

            writer.WriteEndObject();
            if (!any)
            {
                return options;
            }
        }

        return GenerationConfiguration.FromJson(Encoding.UTF8.GetString(json.ToArray()), options);
    }

    // 0.7f is meant as 0.7, not 0.699999988: widen through the shortest decimal text.
    private static double Widen(float value) => double.Parse(value.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
