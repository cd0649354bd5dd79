using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.Decoding;

/// <summary>Typed, validated access to a processor's settings. Every error names the setting's full path, the value and
/// what is allowed.</summary>
/// <remarks>Thread-safe for reading.</remarks>
public sealed class ProcessorArguments
{
    private readonly IConfiguration _settings;

    /// <summary>Wraps a spec's settings.</summary>
    public ProcessorArguments(ProcessorSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Type = spec.Type;
        Path = spec.Path;
        _settings = spec.Settings;
    }

    /// <summary>The processor type.</summary>
    public string Type { get; }

    /// <summary>Where the settings came from (<c>Gpt2Kit:Processors:1</c>).</summary>
    public string Path { get; }

    /// <summary>Whether a setting is present.</summary>
    public bool Has(string key) => _settings[key] is not null || _settings.GetSection(key).GetChildren().Any();

    /// <summary>The full path of a setting, for messages.</summary>
    public string PathOf(string key) => $"{Path}:{key}";

    /// <summary>A string setting.</summary>
    public string? GetString(string key, string? defaultValue = null) => _settings[key] ?? defaultValue;

    /// <summary>An integer setting in <c>[min, max]</c>.</summary>
    public int GetInt32(string key, int? defaultValue = null, int min = int.MinValue, int max = int.MaxValue) =>
        GetInt32(key, NumberRange.Integers(min, max), defaultValue);

    /// <summary>An integer setting within <paramref name="range"/> (read strictly: invariant culture, no separators).</summary>
    public int GetInt32(string key, NumberRange range, int? defaultValue = null)
    {
        range = range with { Integer = true };
        var text = _settings[key];
        if (text is null)
        {
            return defaultValue ?? throw new GenerationConfigurationException(PathOf(key), null, range.Describe());
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || !range.Contains(value))
        {
            throw new GenerationConfigurationException(PathOf(key), text, range.Describe());
        }

        return value;
    }

    /// <summary>A number setting; <paramref name="minExclusive"/>/<paramref name="maxExclusive"/> open the interval's ends.</summary>
    public double GetDouble(string key, double? defaultValue = null, double min = double.NegativeInfinity, double max = double.PositiveInfinity, bool minExclusive = false, bool maxExclusive = false) =>
        GetDouble(key, new NumberRange(min, max, minExclusive, maxExclusive), defaultValue);

    /// <summary>A number setting within <paramref name="range"/> (read strictly: invariant culture, so "0,7" is an error).</summary>
    public double GetDouble(string key, NumberRange range, double? defaultValue = null)
    {
        var text = _settings[key];
        if (text is null)
        {
            return defaultValue ?? throw new GenerationConfigurationException(PathOf(key), null, range.Describe());
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !range.Contains(value))
        {
            throw new GenerationConfigurationException(PathOf(key), text, range.Describe());
        }

        return value;
    }

    /// <summary>A boolean setting.</summary>
    public bool GetBoolean(string key, bool? defaultValue = null)
    {
        var text = _settings[key];
        if (text is null)
        {
            return defaultValue ?? throw new GenerationConfigurationException(PathOf(key), null, "true or false");
        }

        return bool.TryParse(text, out var value) ? value : throw new GenerationConfigurationException(PathOf(key), text, "true or false");
    }

    /// <summary>A list of integers (<c>[1, 2]</c>, or a single integer read as a one-element list).</summary>
    public int[]? GetInt32List(string key, int min = int.MinValue, int max = int.MaxValue)
    {
        var section = _settings.GetSection(key);
        if (section.Value is not null)
        {
            return [GetInt32(key, min: min, max: max)];
        }

        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            return null;
        }

        return OrderByIndex(children).Select(c => ParseInt(c, min, max)).ToArray();
    }

    /// <summary>A list of integer lists (<c>[[1], [2, 3]]</c>).</summary>
    public int[][]? GetInt32Lists(string key, int min = int.MinValue, int max = int.MaxValue)
    {
        var children = _settings.GetSection(key).GetChildren().ToList();
        if (children.Count == 0)
        {
            return _settings[key] is { } text ? throw new GenerationConfigurationException(PathOf(key), text, "a list of integer lists") : null;
        }

        return OrderByIndex(children).Select(inner =>
        {
            if (inner.Value is not null)
            {
                return [ParseInt(inner, min, max)];
            }

            return OrderByIndex(inner.GetChildren().ToList()).Select(c => ParseInt(c, min, max)).ToArray();
        }).ToArray();
    }

    private int ParseInt(IConfigurationSection section, int min, int max)
    {
        // A child's Path is absolute when the settings are a real configuration section; report it relative to them.
        var relative = _settings is IConfigurationSection root && section.Path.StartsWith(root.Path + ":", StringComparison.OrdinalIgnoreCase)
            ? section.Path[(root.Path.Length + 1)..]
            : section.Path;
        if (!int.TryParse(section.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new GenerationConfigurationException($"{Path}:{relative}", section.Value, NumberRange.Integers(min, max).Describe());
        }

        return value;
    }

    private static IEnumerable<IConfigurationSection> OrderByIndex(List<IConfigurationSection> children) =>
        children.OrderBy(c => int.TryParse(c.Key, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue);
}
