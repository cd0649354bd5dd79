using System.Globalization;
using Gpt2Kit.Decoding;
using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.Configuration;

/// <summary>Reads typed values out of configuration sections. Configuration keeps every value as text (JSON
/// <c>null</c> becomes a missing value, an empty JSON list becomes <c>""</c>), so the JSON types are recovered here and
/// every failure names the section's full path, the value given and what is allowed.</summary>
/// <param name="pathPrefix">Put before every path in messages (e.g. the file a configuration came from).</param>
internal sealed class SettingReader(string pathPrefix = "")
{
    public static SettingReader Default { get; } = new();

    public string PathOf(IConfigurationSection section) => pathPrefix + section.Path;

    /// <summary>True when the section holds nothing: JSON <c>null</c>, <c>{}</c>, or an empty text.</summary>
    public static bool IsUnset(IConfigurationSection section) =>
        string.IsNullOrEmpty(section.Value) && !section.GetChildren().Any();

    /// <summary>True only for JSON <c>null</c> (or an absent key). The JSON provider turns <c>[]</c> and <c>""</c> into an
    /// empty text, which for a number is an error, not "unset"; <c>{}</c> it drops entirely (the JSON readers here catch it
    /// before binding, see <see cref="GenerationConfiguration"/>).</summary>
    public static bool IsNull(IConfigurationSection section) =>
        section.Value is null && !section.GetChildren().Any();

    /// <summary>True when the section is a list (children keyed 0, 1, …) or an empty JSON list.</summary>
    public static bool IsList(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        return children.Count > 0 && children.All(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _));
    }

    /// <summary>The list's items in index order (configuration orders keys as text, so "10" would come before "2").</summary>
    public IReadOnlyList<IConfigurationSection> Items(IConfigurationSection section, string allowed)
    {
        if (section.Value == string.Empty)
        {
            return [];
        }

        if (section.Value is not null || !IsList(section))
        {
            throw Error(section, allowed);
        }

        return section.GetChildren()
            .OrderBy(c => int.Parse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture))
            .ToList();
    }

    public GenerationConfigurationException Error(IConfigurationSection section, string allowed) =>
        new(PathOf(section), Render(section), allowed);

    public string ReadString(IConfigurationSection section) =>
        section.Value ?? throw Error(section, "a string");

    public bool ReadBoolean(IConfigurationSection section) =>
        bool.TryParse(section.Value, out var value) ? value : throw Error(section, "true or false");

    public int ReadInt32(IConfigurationSection section, NumberRange range)
    {
        if (int.TryParse(section.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && range.Contains(value))
        {
            return value;
        }

        throw Error(section, (range with { Integer = true }).Describe());
    }

    public long ReadInt64(IConfigurationSection section, NumberRange range)
    {
        if (long.TryParse(section.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && range.Contains(value))
        {
            return value;
        }

        throw Error(section, (range with { Integer = true }).Describe());
    }

    public double ReadDouble(IConfigurationSection section, NumberRange range)
    {
        if (double.TryParse(section.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && range.Contains(value))
        {
            return value;
        }

        throw Error(section, range.Describe());
    }

    /// <summary>One integer or a list of integers (Hugging Face accepts both for <c>eos_token_id</c>).</summary>
    public List<int> ReadInt32OneOrMany(IConfigurationSection section, NumberRange range)
    {
        if (!string.IsNullOrEmpty(section.Value))
        {
            return [ReadInt32(section, range)];
        }

        var allowed = $"{(range with { Integer = true }).Describe()}, or a list of them";
        return Items(section, allowed).Select(item => ReadInt32(item, range)).ToList();
    }

    /// <summary>A list of integers; <paramref name="nonEmpty"/> rejects <c>[]</c>.</summary>
    public int[] ReadInt32List(IConfigurationSection section, NumberRange range, bool nonEmpty = false)
    {
        var allowed = $"a{(nonEmpty ? " non-empty" : string.Empty)} list of integers ({(range with { Integer = true }).Describe()} each)";
        var items = Items(section, allowed);
        if (nonEmpty && items.Count == 0)
        {
            throw Error(section, allowed);
        }

        return items.Select(item => ReadInt32(item, range)).ToArray();
    }

    /// <summary>A string or a list of strings.</summary>
    public List<string> ReadStringOneOrMany(IConfigurationSection section)
    {
        if (!string.IsNullOrEmpty(section.Value))
        {
            return [section.Value];
        }

        return Items(section, "a string or a list of non-empty strings")
            .Select(item => string.IsNullOrEmpty(item.Value) ? throw Error(item, "a non-empty string") : item.Value)
            .ToList();
    }

    /// <summary>The value as it would read in JSON, for messages: the text, <c>[…]</c> for lists, <c>{…}</c> for objects.</summary>
    public static string Render(IConfigurationSection section)
    {
        if (section.Value is not null)
        {
            // The JSON provider stores [] (and "") as an empty text.
            return section.Value.Length == 0 ? "[]" : section.Value;
        }

        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            return "null";
        }

        return IsList(section)
            ? "[" + string.Join(", ", children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)).Select(Render)) + "]"
            : "{" + string.Join(", ", children.Select(c => $"{c.Key}: {Render(c)}")) + "}";
    }
}
