using Gpt2Kit.Decoding;
using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.Configuration;

/// <summary>Reads the <c>Gpt2Kit</c> configuration section:
/// <c>Model</c> (a folder or name), <c>Plugins</c> (plugin folders), <c>Generation</c> (Hugging Face GenerationConfig
/// keys; a pasted <c>generation_config.json</c> works), <c>Processors</c> (an explicit chain, in order) and <c>Search</c>
/// (a strategy name).</summary>
/// <remarks>Stateless; thread-safe. Errors are <see cref="GenerationConfigurationException"/>s naming the full path.</remarks>
public static class Gpt2KitConfiguration
{
    /// <summary>The section Gpt2Kit reads.</summary>
    public const string SectionName = "Gpt2Kit";

    /// <summary>The keys of the section.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["Model", "Plugins", "Generation", "Processors", "Search"];

    /// <summary>The <c>Gpt2Kit</c> section of <paramref name="configuration"/>, or <paramref name="configuration"/> itself
    /// when it has no such section (so a file holding only <c>{ "Generation": … }</c> works too).</summary>
    public static IConfiguration GetSection(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionName);
        return section.Exists() ? section : configuration;
    }

    /// <summary>The keys of an object-valued <c>Model</c>.</summary>
    public static IReadOnlyList<string> ModelKeys { get; } = ["Path", "Backend", "Device", "DType"];

    /// <summary>The model folder or name (<c>Gpt2Kit:Model</c>, or <c>Gpt2Kit:Model:Path</c>), or null.</summary>
    public static string? ReadModel(IConfiguration section) => ReadModelSettings(section)?.Location;

    /// <summary>The model of <c>Gpt2Kit:Model</c>: a folder or name, or an object with <c>Path</c> (the folder or name),
    /// <c>Backend</c> (a registered backend's name, e.g. <c>torchsharp</c>; default: the first that can load the folder),
    /// <c>Device</c> (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>, <c>auto</c>) and <c>DType</c> (<c>f32</c>, <c>bf16</c>, <c>f16</c>);
    /// null when unset.</summary>
    /// <exception cref="GenerationConfigurationException">A key is unknown or a value is not a string; the message names its path.</exception>
    public static ModelSettings? ReadModelSettings(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        CheckKeys(section);
        var model = section.GetSection("Model");
        if (!model.GetChildren().Any())
        {
            return string.IsNullOrWhiteSpace(model.Value) ? null : new ModelSettings(model.Value);
        }

        foreach (var child in model.GetChildren())
        {
            if (!ModelKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw new GenerationConfigurationException(child.Path, $"unknown setting '{child.Key}'{KeySuggestions.DidYouMean(child.Key, ModelKeys)}; expected {string.Join(", ", ModelKeys)}.");
            }

            if (child.GetChildren().Any())
            {
                throw SettingReader.Default.Error(child, "a string");
            }
        }

        string? Value(string key) => string.IsNullOrWhiteSpace(model[key]) ? null : model[key]!.Trim();
        string location = Value("Path") ?? throw new GenerationConfigurationException($"{model.Path}:Path", null, "the model folder or Hugging Face name");
        return new ModelSettings(location) { Backend = Value("Backend"), Device = Value("Device"), DType = Value("DType") };
    }

    /// <summary>The plugin folders (<c>Gpt2Kit:Plugins</c>: one folder or a list), relative paths made absolute against
    /// <paramref name="baseDirectory"/> (default: the current directory).</summary>
    public static IReadOnlyList<string> ReadPluginFolders(IConfiguration section, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(section);
        CheckKeys(section);
        var plugins = section.GetSection("Plugins");
        if (SettingReader.IsUnset(plugins))
        {
            return [];
        }

        var folders = string.IsNullOrEmpty(plugins.Value)
            ? SettingReader.Default.Items(plugins, "a folder or a list of folders").Select(item =>
                string.IsNullOrWhiteSpace(item.Value) ? throw SettingReader.Default.Error(item, "a folder") : item.Value).ToList()
            : [plugins.Value];
        return folders.Select(f => Path.GetFullPath(f, baseDirectory ?? Directory.GetCurrentDirectory())).ToList();
    }

    /// <summary>The default generation options: <c>Generation</c> bound onto a copy of <paramref name="baseOptions"/>,
    /// with <c>Processors</c> as the explicit chain and <c>Search</c> as the strategy.</summary>
    public static GenerationOptions ReadGenerationOptions(IConfiguration section, GenerationOptions? baseOptions = null)
    {
        ArgumentNullException.ThrowIfNull(section);
        var options = baseOptions?.Clone() ?? new GenerationOptions();
        ApplyTo(section, options);
        return options;
    }

    /// <summary>Fills <paramref name="options"/> in place from the section (see <see cref="ReadGenerationOptions"/>).</summary>
    internal static void ApplyTo(IConfiguration section, GenerationOptions options)
    {
        CheckKeys(section);
        GenerationConfiguration.BindInto(section.GetSection("Generation"), options, SettingReader.Default);
        var processors = section.GetSection("Processors");
        if (processors.Exists())
        {
            options.Processors = GenerationConfiguration.ReadProcessors(processors);
        }

        var search = section.GetSection("Search");
        if (search.GetChildren().Any())
        {
            throw SettingReader.Default.Error(search, "a search strategy name, e.g. \"beam\"");
        }

        if (!string.IsNullOrWhiteSpace(search.Value))
        {
            options.Strategy = search.Value.Trim();
        }
    }

    // Other components may add keys to the section, so only a near miss of ours ("Generaton") is an error.
    private static void CheckKeys(IConfiguration section)
    {
        foreach (var child in section.GetChildren())
        {
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase) && KeySuggestions.NearMatches(child.Key, Keys).Count > 0)
            {
                throw new GenerationConfigurationException(child.Path, $"unknown setting '{child.Key}'{KeySuggestions.DidYouMean(child.Key, Keys)}.");
            }
        }
    }
}
