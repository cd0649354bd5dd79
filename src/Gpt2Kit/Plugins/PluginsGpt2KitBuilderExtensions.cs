using Gpt2Kit.Plugins;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds plugins to a Gpt2Kit registration.</summary>
/// <remarks>Used during start-up on one thread; not thread-safe.</remarks>
public static class PluginsGpt2KitBuilderExtensions
{
    /// <summary>Loads the plugins under <paramref name="folder"/> (one subfolder per plugin) and adds what they register.
    /// A plugin that fails is left out and reported in the <see cref="PluginLoadReport"/> singleton.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static IGpt2KitBuilder AddPluginsFrom(this IGpt2KitBuilder builder, string folder)
    {
        PluginLoader.LoadFrom(builder, folder);
        return builder;
    }
}
