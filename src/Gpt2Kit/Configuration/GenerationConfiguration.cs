using System.Globalization;
using System.Text;
using System.Text.Json;
using Gpt2Kit.Decoding;
using Gpt2Kit.Files;
using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.Configuration;

/// <summary>Reads <see cref="GenerationOptions"/> and processor chains from configuration, under the Hugging Face
/// <c>GenerationConfig</c> names, so that a pasted <c>generation_config.json</c> works as it is.</summary>
/// <remarks>Stateless; thread-safe. Every error is a <see cref="GenerationConfigurationException"/> that names the full
/// configuration path (<c>Gpt2Kit:Generation:top_p</c>), the value given and what is allowed.</remarks>
public static class GenerationConfiguration
{
    /// <summary>Reads the Hugging Face keys of <paramref name="section"/> onto a copy of <paramref name="baseOptions"/>
    /// (or onto the Hugging Face defaults).</summary>
    /// <param name="section">A section such as <c>Gpt2Kit:Generation</c>, or a configuration root.</param>
    /// <param name="baseOptions">Values for the keys the section does not mention; not changed.</param>
    /// <returns>The new options. A key set to JSON <c>null</c> is "not set": null where Hugging Face has <c>None</c>
    /// (<c>top_k: null</c> turns top-k off), otherwise the Hugging Face default.</returns>
    /// <exception cref="GenerationConfigurationException">A key is unknown, has the wrong type or is out of range.</exception>
    public static GenerationOptions Bind(IConfiguration section, GenerationOptions? baseOptions = null)
    {
        ArgumentNullException.ThrowIfNull(section);
        return BindCore(section, baseOptions, SettingReader.Default);
    }

    /// <summary>Reads options from JSON text, e.g. the content of a <c>generation_config.json</c>.</summary>
    /// <exception cref="GenerationConfigurationException">The JSON is malformed, or a key is unknown, of the wrong type or out of range.</exception>
    public static GenerationOptions FromJson(string json, GenerationOptions? baseOptions = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        var (configuration, direct) = LoadJson(json, "JSON", string.Empty);
        var options = BindCore(configuration, baseOptions, SettingReader.Default);
        direct(options);
        return options;
    }

    /// <summary>Reads options from a JSON file such as a model's <c>generation_config.json</c>; messages name the file. The
    /// file must be a regular file of at most <see cref="BoundedFile.MaxSettingsBytes"/> bytes (read by
    /// <see cref="BoundedFile"/>), so a huge file or a pipe is refused before anything is allocated.</summary>
    /// <exception cref="GenerationConfigurationException">The file is missing, too large, not a regular file or malformed, or
    /// a key is unknown, of the wrong type or out of range.</exception>
    public static GenerationOptions FromJsonFile(string path, GenerationOptions? baseOptions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string json;
        try
        {
            json = BoundedFile.ReadAllText(path, BoundedFile.MaxSettingsBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new GenerationConfigurationException(path, $"the file cannot be read ({ex.Message})");
        }

        var (configuration, direct) = LoadJson(json, path, $"{path}: ");
        var options = BindCore(configuration, baseOptions, new SettingReader($"{path}: "));
        direct(options);
        return options;
    }

    /// <summary>Reads an explicit processor chain: a list whose entries are <c>{ "type": "top_k", "k": 40 }</c> (or just
    /// the type name). The order of the list is the order of the chain.</summary>
    /// <param name="processorsSection">A section such as <c>Gpt2Kit:Processors</c>.</param>
    /// <returns>One spec per entry, with <see cref="ProcessorSpec.Path"/> naming the entry (<c>Gpt2Kit:Processors:1</c>).
    /// An absent or empty section gives an empty list.</returns>
    /// <exception cref="GenerationConfigurationException">The section is not a list or an entry has no type.</exception>
    public static IList<ProcessorSpec> ReadProcessors(IConfiguration processorsSection)
    {
        ArgumentNullException.ThrowIfNull(processorsSection);
        var reader = SettingReader.Default;
        IReadOnlyList<IConfigurationSection> entries;
        if (processorsSection is IConfigurationSection section)
        {
            if (SettingReader.IsUnset(section))
            {
                return [];
            }

            entries = reader.Items(section, "a list of processors, e.g. [{ \"type\": \"top_k\", \"k\": 40 }]");
        }
        else
        {
            // A configuration root has no value of its own; its children must still be a list.
            entries = processorsSection.GetChildren()
                .Select(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? (c, i)
                    : throw new GenerationConfigurationException(c.Path, "expected a list of processors, e.g. [{ \"type\": \"top_k\", \"k\": 40 }]"))
                .OrderBy(e => e.i)
                .Select(e => e.c)
                .ToList();
        }

        return entries.Select(entry => ReadProcessor(entry, reader)).ToList();
    }

    private static ProcessorSpec ReadProcessor(IConfigurationSection entry, SettingReader reader)
    {
        const string Allowed = "a processor name, e.g. \"top_k\"";
        if (!string.IsNullOrEmpty(entry.Value))
        {
            return new ProcessorSpec(entry.Value, new ConfigurationBuilder().Build(), entry.Path);
        }

        var type = entry.GetSection("type");
        if (string.IsNullOrWhiteSpace(type.Value))
        {
            throw type.GetChildren().Any()
                ? reader.Error(type, Allowed)
                : new GenerationConfigurationException(type.Path, null, Allowed);
        }

        return new ProcessorSpec(type.Value.Trim(), entry, entry.Path);
    }

    private static GenerationOptions BindCore(IConfiguration section, GenerationOptions? baseOptions, SettingReader reader)
    {
        var options = baseOptions?.Clone() ?? new GenerationOptions();
        BindInto(section, options, reader);
        return options;
    }

    /// <summary>Reads the keys of <paramref name="section"/> into <paramref name="options"/> itself (the options pattern
    /// hands over the instance to fill).</summary>
    internal static void BindInto(IConfiguration section, GenerationOptions options, SettingReader reader)
    {
        foreach (var child in section.GetChildren())
        {
            if (GenerationOptionFields.ByKey.TryGetValue(child.Key, out var field))
            {
                // Only JSON null is "not set" (the lower layers decide); [] or "" given for a number reaches the reader and is
                // refused there.
                var value = SettingReader.IsNull(child) ? null : field.Read(reader, child);
                field.Property.SetValue(options, value);
            }
            else if (HuggingFaceOnlyKeys.UnsupportedUnlessOff.TryGetValue(child.Key, out var offValues))
            {
                if (!SettingReader.IsUnset(child) && !offValues.Contains(child.Value, StringComparer.OrdinalIgnoreCase))
                {
                    throw reader.Error(child, $"null{string.Concat(offValues.Select(v => $" or {v}"))}: Gpt2Kit does not implement Hugging Face's '{child.Key}'");
                }
            }
            else if (!HuggingFaceOnlyKeys.Ignored.Contains(child.Key))
            {
                var known = GenerationOptionFields.ByKey.Keys.Concat(HuggingFaceOnlyKeys.Ignored).Concat(HuggingFaceOnlyKeys.UnsupportedUnlessOff.Keys);
                throw new GenerationConfigurationException(
                    reader.PathOf(child),
                    $"unknown generation setting '{child.Key}'{KeySuggestions.DidYouMean(child.Key, known)}; settings use the Hugging Face GenerationConfig names (max_new_tokens, do_sample, top_p, …).");
            }
        }
    }

    /// <summary>Fills <paramref name="options"/> in place from JSON text; messages start with <paramref name="source"/>.</summary>
    internal static void ApplyJson(string json, string source, GenerationOptions options)
    {
        var (configuration, direct) = LoadJson(json, source, $"{source}: ");
        BindInto(configuration, options, new SettingReader($"{source}: "));
        direct(options);
    }

    // The configuration model cannot tell {} from null, so JSON text is checked first: a list or an object given for a
    // number, a boolean or a name is an error naming the key, never "unset".
    private static void RejectContainersForScalars(string json, string pathPrefix)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (GenerationOptionRules.Find(property.Name) is { } rule
                && property.Value.ValueKind is JsonValueKind.Array or JsonValueKind.Object
                && IsScalar(rule.Property.PropertyType))
            {
                var kind = Nullable.GetUnderlyingType(rule.Property.PropertyType) ?? rule.Property.PropertyType;
                var allowed = rule.Range is { } range ? range.Describe() : kind == typeof(bool) ? "true or false" : kind == typeof(string) ? "a string" : "true, false or \"never\"";
                throw new GenerationConfigurationException(pathPrefix + property.Name, property.Value.ValueKind == JsonValueKind.Array ? "[]" : "{}", allowed);
            }
        }
    }

    // bad_words_ids can hold a whole vocabulary of sequences. Read through the configuration model every nested list costs a
    // scan of all keys (quadratic), so JSON text is read here directly, in one linear pass, and left out of the rest.
    private static (string Remaining, Action<GenerationOptions> Apply) TakeTokenSequences(string json, string pathPrefix)
    {
        const string Key = "bad_words_ids";
        var root = System.Text.Json.Nodes.JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        if (root is not System.Text.Json.Nodes.JsonObject obj
            || obj.FirstOrDefault(p => string.Equals(p.Key, Key, StringComparison.OrdinalIgnoreCase)) is not { Key: { } key } property
            || property.Value is not System.Text.Json.Nodes.JsonArray lists)
        {
            return (json, _ => { });
        }

        const string Allowed = "a non-empty list of integers (an integer >= 0 each)";
        if (lists.Count > GenerationOptionRules.MaxListEntries)
        {
            throw new GenerationConfigurationException(pathPrefix + key, $"a list of {lists.Count} entries", $"at most {GenerationOptionRules.MaxListEntries} entries");
        }

        var result = new List<int[]>(lists.Count);
        for (var i = 0; i < lists.Count; i++)
        {
            if (lists[i] is not System.Text.Json.Nodes.JsonArray ids || ids.Count == 0)
            {
                throw new GenerationConfigurationException($"{pathPrefix}{key}:{i}", lists[i]?.ToJsonString() ?? "null", Allowed);
            }

            var row = new int[ids.Count];
            for (var j = 0; j < row.Length; j++)
            {
                if (ids[j] is not System.Text.Json.Nodes.JsonValue value || !value.TryGetValue(out row[j]) || row[j] < 0)
                {
                    throw new GenerationConfigurationException($"{pathPrefix}{key}:{i}:{j}", ids[j]?.ToJsonString() ?? "null", "an integer >= 0");
                }
            }

            result.Add(row);
        }

        obj.Remove(key);
        return (obj.ToJsonString(), options => options.BadWordsIds = result);
    }

    private static bool IsScalar(Type type) => (Nullable.GetUnderlyingType(type) ?? type) is var t && (t.IsPrimitive || t.IsEnum || t == typeof(string));

    private static (IConfigurationRoot Root, Action<GenerationOptions> Direct) LoadJson(string json, string source, string pathPrefix)
    {
        try
        {
            RejectContainersForScalars(json, pathPrefix);
            var (rest, direct) = TakeTokenSequences(json, pathPrefix);
            return (new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(rest))).Build(), direct);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}" : string.Empty;
            var reason = ex.Message.Split(" LineNumber:", 2)[0].Trim();
            throw new GenerationConfigurationException(source, $"invalid JSON{where}: {reason}");
        }
        catch (FormatException ex)
        {
            // The JSON configuration provider reports a top level that is not an object, and duplicate keys, this way.
            throw new GenerationConfigurationException(source, $"invalid generation configuration: {ex.Message}");
        }
    }
}
