namespace Gpt2Kit.Decoding;

/// <summary>A generation setting is missing, of the wrong type or out of range. The message names the setting's path,
/// the value given and what is allowed.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed class GenerationConfigurationException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The setting (<c>top_p</c>, <c>Gpt2Kit:Processors:1:k</c>).</param>
    /// <param name="value">The value given, as text; null when missing.</param>
    /// <param name="allowed">What is allowed, e.g. <c>a number in (0, 1]</c>.</param>
    public GenerationConfigurationException(string path, string? value, string allowed)
        : base(value is null ? $"{path}: a value is required ({allowed})." : $"{path}: '{value}' is not allowed; expected {allowed}.")
    {
        SettingPath = path;
        Value = value;
        Allowed = allowed;
    }

    /// <summary>Creates the exception with a free-form message.</summary>
    public GenerationConfigurationException(string path, string message)
        : base($"{path}: {message}")
    {
        SettingPath = path;
        Allowed = message;
    }

    /// <summary>The setting's path.</summary>
    public string SettingPath { get; }

    /// <summary>The value given, or null.</summary>
    public string? Value { get; }

    /// <summary>What is allowed.</summary>
    public string Allowed { get; }
}
