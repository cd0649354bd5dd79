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

        if (options.NumReturnSequences != 1)
        {
            throw new GenerationConfigurationException("num_return_sequences", options.NumReturnSequences.ToString(CultureInfo.InvariantCulture),
                "1 (a chat response holds one message)");
        }

        return options;
    }

    private static void ApplyTypedOptions(ChatOptions chat, GenerationOptions options)
    {
        if (chat.MaxOutputTokens is int maxTokens)
        {
            options.MaxNewTokens = maxTokens >= 1 ? maxTokens
                : throw new GenerationConfigurationException("ChatOptions.MaxOutputTokens", Text(maxTokens), "an integer >= 1");
        }

        if (chat.Temperature is float temperature)
        {
            if (!(temperature >= 0) || float.IsInfinity(temperature))
            {
                throw new GenerationConfigurationException("ChatOptions.Temperature", Text(temperature), "a number >= 0 (0 chooses greedy decoding)");
            }

            // Temperature 0 is the usual way to ask for deterministic output: greedy search, with temperature left alone
            // (Hugging Face rejects 0 as a temperature).
            options.DoSample = temperature > 0;
            if (temperature > 0)
            {
                options.Temperature = Widen(temperature);
            }
        }

        if (chat.TopP is float topP)
        {
            options.TopP = topP is > 0 and <= 1
                ? Widen(topP)
                : throw new GenerationConfigurationException("ChatOptions.TopP", Text(topP), "a number in (0, 1]");
            options.DoSample |= chat.Temperature is null; // nucleus sampling only means something when sampling
        }

        if (chat.TopK is int topK)
        {
            options.TopK = topK >= 0 ? topK : throw new GenerationConfigurationException("ChatOptions.TopK", Text(topK), "an integer >= 0 (0 disables top-k)");
            options.DoSample |= chat.Temperature is null;
        }

        if (chat.Seed is long seed)
        {
            options.Seed = seed;
        }

        if (chat.FrequencyPenalty is float frequency)
        {
            options.FrequencyPenalty = float.IsFinite(frequency) ? Widen(frequency)
                : throw new GenerationConfigurationException("ChatOptions.FrequencyPenalty", Text(frequency), "a finite number");
        }

        if (chat.PresencePenalty is float presence)
        {
            options.PresencePenalty = float.IsFinite(presence) ? Widen(presence)
                : throw new GenerationConfigurationException("ChatOptions.PresencePenalty", Text(presence), "a finite number");
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

    private static string Text(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
