using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Gpt2Kit.Models;
using Gpt2Kit.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Drives a Gpt2Kit registration from configuration.</summary>
/// <remarks>Used during start-up on one thread; not thread-safe.</remarks>
public static class Gpt2KitConfigurationBuilderExtensions
{
    /// <summary>Reads the <c>Gpt2Kit</c> section of <paramref name="configuration"/> (or its root when it has none): loads
    /// the plugins of <c>Plugins</c> now, registers the model of <c>Model</c> (a folder, or a name such as a Hugging Face
    /// model's that the registered <see cref="IModelResolver"/> turns into one; loaded on first use by a registered backend
    /// such as <c>AddGpt2Backend()</c>, which also registers Gpt2Kit.Hub's resolver, unless a model is registered in code), and binds <c>Generation</c>, <c>Processors</c> and <c>Search</c> into
    /// <c>IOptions&lt;GenerationOptions&gt;</c>, checked by <see cref="Gpt2KitStartupValidator"/> when the options are
    /// first resolved (when the generator is built).</summary>
    /// <exception cref="GenerationConfigurationException"><c>Plugins</c> is malformed.</exception>
    /// <exception cref="DirectoryNotFoundException">A plugins folder does not exist.</exception>
    public static IGpt2KitBuilder Configure(this IGpt2KitBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = Gpt2KitConfiguration.GetSection(configuration);
        foreach (var folder in Gpt2KitConfiguration.ReadPluginFolders(section))
        {
            builder.AddPluginsFrom(folder);
        }

        builder.Services.AddSingleton<IConfigureOptions<GenerationOptions>>(new ConfigureGenerationOptions(section));

        // Model: a folder or hub name, loaded by a registered backend when the generator is built, unless a model and a
        // tokenizer are registered in code (those win).
        if (Gpt2KitConfiguration.ReadModelSettings(section) is { } model)
        {
            string settingPath = string.IsNullOrEmpty((section as IConfigurationSection)?.Path) ? "Model" : $"{((IConfigurationSection)section).Path}:Model";
            builder.Services.TryAddSingleton(provider => new ConfiguredModel(model, settingPath, provider.GetServices<IModelLoader>(), provider.GetService<IModelResolver>()));
        }

        // Plugins may read their own settings (Gpt2Kit:Mirostat, …) from the host's configuration.
        builder.Services.TryAddSingleton(configuration);
        Gpt2KitStartupValidator.Register(builder.Services, (section as IConfigurationSection)?.Path ?? string.Empty);
        return builder;
    }
}
