using Gpt2Kit.Decoding;

namespace Gpt2Kit.Plugins;

/// <summary>Decides which exceptions from plugin code pass through unchanged (cancellation, configuration errors that
/// already name the setting) and turns the rest into an error that names the component and its plugin.</summary>
internal static class PluginFault
{
    public static bool PassesThrough(Exception exception) =>
        exception is OperationCanceledException or GenerationConfigurationException;

    public static InvalidOperationException Wrap(string kind, string name, string plugin, Exception exception) =>
        new($"{kind} '{name}' (plugin {plugin}) failed: {exception.GetType().Name}: {exception.Message}", exception);
}
