using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;
using Gpt2Kit.Decoding;
using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.Configuration;

/// <summary>The one mapping between configuration keys and <see cref="GenerationOptions"/>: each property's
/// <see cref="JsonPropertyNameAttribute"/> name (the Hugging Face name) is its key, and its type chooses the reader.</summary>
internal static class GenerationOptionFields
{
    /// <summary>The fields by key (keys compare case-insensitively, as configuration keys do).</summary>
    public static IReadOnlyDictionary<string, GenerationOptionField> ByKey { get; } = typeof(GenerationOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null && p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null)
        .Select(p => new GenerationOptionField(p.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name, p, CreateReader(p)))
        .ToDictionary(f => f.Key, StringComparer.OrdinalIgnoreCase);

    private static Func<SettingReader, IConfigurationSection, object?> CreateReader(PropertyInfo property)
    {
        var rule = GenerationOptionRules.All.Single(r => r.Property.Name == property.Name);
        var range = rule.Range ?? NumberRange.Any;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return type switch
        {
            _ when type == typeof(int) => (r, s) => r.ReadInt32(s, range),
            _ when type == typeof(long) => (r, s) => r.ReadInt64(s, range),

            // Rules checked only when sampling (temperature) are checked by the resolver, which knows the mode.
            _ when type == typeof(double) => (r, s) => r.ReadDouble(s, rule.OnlyWhenSampling ? NumberRange.Any : range),
            _ when type == typeof(bool) => (r, s) => r.ReadBoolean(s),
            _ when type == typeof(string) => (r, s) => r.ReadString(s),
            _ when type == typeof(EarlyStopping) => (r, s) => ReadEarlyStopping(r, s),
            _ when type == typeof(IList<int>) => (r, s) => r.ReadInt32OneOrMany(s, range),
            _ when type == typeof(IList<string>) => (r, s) => r.ReadStringOneOrMany(s),
            _ when type == typeof(IList<int[]>) => (r, s) => ReadTokenSequences(r, s, range),
            _ when type == typeof(IDictionary<int, double>) => (r, s) => ReadLogitBias(r, s, range),
            _ when type == typeof(IList<SequenceBias>) => (r, s) => ReadSequenceBias(r, s, range),
            _ when type == typeof(ExponentialDecayLengthPenalty) => (r, s) => ReadExponentialDecay(r, s),
            _ => throw new NotSupportedException($"GenerationOptions.{property.Name} has a type ({type}) the configuration binder cannot read."),
        };
    }

    /// <summary>Hugging Face <c>early_stopping</c>: <c>true</c>, <c>false</c> or <c>"never"</c>.</summary>
    private static EarlyStopping ReadEarlyStopping(SettingReader reader, IConfigurationSection section) => section.Value?.ToLowerInvariant() switch
    {
        "true" => EarlyStopping.True,
        "false" => EarlyStopping.False,
        "never" => EarlyStopping.Never,
        _ => throw reader.Error(section, "true, false or \"never\""),
    };

    /// <summary><c>bad_words_ids</c>: <c>[[ids], [ids]]</c>, each sequence non-empty (as Hugging Face requires).</summary>
    private static List<int[]> ReadTokenSequences(SettingReader reader, IConfigurationSection section, NumberRange range) =>
        reader.Items(section, "a list of non-empty token id lists, e.g. [[262], [11, 290]]")
            .Select(item => reader.ReadInt32List(item, range, nonEmpty: true))
            .ToList();

    /// <summary>OpenAI <c>logit_bias</c>: <c>{"50256": -100}</c>.</summary>
    private static Dictionary<int, double> ReadLogitBias(SettingReader reader, IConfigurationSection section, NumberRange range)
    {
        var result = new Dictionary<int, double>();
        if (section.Value == string.Empty)
        {
            return result;
        }

        if (section.Value is not null)
        {
            throw reader.Error(section, "an object of token id to bias, e.g. {\"50256\": -100}");
        }

        foreach (var entry in section.GetChildren())
        {
            if (!int.TryParse(entry.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || !range.Contains(id))
            {
                throw new GenerationConfigurationException(reader.PathOf(entry), entry.Key, $"a token id ({(range with { Integer = true }).Describe()}) as the key");
            }

            result[id] = reader.ReadDouble(entry, GenerationOptionRules.LogitBiasValue);
        }

        return result;
    }

    /// <summary>Hugging Face <c>sequence_bias</c>, as its list of <c>[[ids], bias]</c> pairs or as an object whose keys
    /// are the ids separated by commas or spaces (<c>{"11, 290": 2.0}</c>).</summary>
    private static List<SequenceBias> ReadSequenceBias(SettingReader reader, IConfigurationSection section, NumberRange range)
    {
        const string Allowed = "a list of [[token ids], bias] pairs, e.g. [[[11, 290], 2.0]], or an object {\"11 290\": 2.0}";
        if (section.Value == string.Empty)
        {
            return [];
        }

        if (section.Value is not null)
        {
            throw reader.Error(section, Allowed);
        }

        // A list's entries are pairs (sections with children); an object's entries are numbers.
        var isPairList = SettingReader.IsList(section) && section.GetChildren().All(c => c.Value is null);
        if (isPairList)
        {
            return reader.Items(section, Allowed).Select(pair =>
            {
                var parts = reader.Items(pair, "a [[token ids], bias] pair");
                if (parts.Count != 2)
                {
                    throw reader.Error(pair, "a [[token ids], bias] pair");
                }

                return new SequenceBias(reader.ReadInt32List(parts[0], range, nonEmpty: true), reader.ReadDouble(parts[1], NumberRange.Any));
            }).ToList();
        }

        return section.GetChildren().Select(entry =>
        {
            var keyParts = entry.Key.Split([',', ' ', '[', ']', '(', ')'], StringSplitOptions.RemoveEmptyEntries);
            var ids = new int[keyParts.Length];
            for (var i = 0; i < ids.Length; i++)
            {
                if (!int.TryParse(keyParts[i], NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]) || !range.Contains(ids[i]))
                {
                    throw new GenerationConfigurationException(reader.PathOf(entry), entry.Key, "token ids separated by commas or spaces as the key");
                }
            }

            if (ids.Length == 0)
            {
                throw new GenerationConfigurationException(reader.PathOf(entry), entry.Key, "token ids separated by commas or spaces as the key");
            }

            if (entry.Value is null)
            {
                throw reader.Error(entry, "a number (the bias)");
            }

            return new SequenceBias(ids, reader.ReadDouble(entry, NumberRange.Any));
        }).ToList();
    }

    /// <summary>Hugging Face <c>exponential_decay_length_penalty</c>: <c>[start_index, decay_factor]</c>.</summary>
    private static ExponentialDecayLengthPenalty ReadExponentialDecay(SettingReader reader, IConfigurationSection section)
    {
        const string Allowed = "a pair [start_index, decay_factor], e.g. [5, 1.5]";
        var items = reader.Items(section, Allowed);
        if (items.Count != 2)
        {
            throw reader.Error(section, Allowed);
        }

        return new ExponentialDecayLengthPenalty(reader.ReadInt32(items[0], NumberRange.Integers(0, GenerationOptionRules.MaxTokens)), reader.ReadDouble(items[1], NumberRange.Any));
    }
}

/// <summary>One configurable field of <see cref="GenerationOptions"/>.</summary>
/// <param name="Key">The Hugging Face name.</param>
/// <param name="Property">The property it sets.</param>
/// <param name="Read">Reads and validates the value of a section.</param>
internal sealed record GenerationOptionField(string Key, PropertyInfo Property, Func<SettingReader, IConfigurationSection, object?> Read);
