using Gpt2Kit.Decoding;
using Gpt2Kit.Models;

namespace Gpt2Kit.Plugins;

/// <summary>Wraps a plugin's search strategy so that a failure names the strategy and the plugin.</summary>
/// <remarks>As thread-safe as the wrapped strategy.</remarks>
internal sealed class GuardedSearchStrategy(ISearchStrategy inner, string plugin) : ISearchStrategy
{
    public string Name => inner.Name;

    public void Validate(ResolvedGenerationOptions options, ModelInfo model)
    {
        try
        {
            inner.Validate(options, model);
        }
        catch (Exception ex) when (!PluginFault.PassesThrough(ex))
        {
            throw PluginFault.Wrap("search strategy", inner.Name, plugin, ex);
        }
    }

    public GenerationResult Search(SearchContext context, CancellationToken cancellationToken)
    {
        var watch = PluginCallWatch.Current;
        string? outer = watch?.Enter($"search strategy '{inner.Name}' (plugin {plugin})");
        try
        {
            return inner.Search(context, cancellationToken);
        }
        catch (Exception ex) when (!PluginFault.PassesThrough(ex) && !IsFromHostProcessor(ex))
        {
            throw PluginFault.Wrap("search strategy", inner.Name, plugin, ex);
        }
        finally
        {
            watch?.Exit(outer);
        }
    }

    // A processor failure is already named (by its own guard or the host's chain); do not bury it under the strategy.
    private static bool IsFromHostProcessor(Exception ex) =>
        ex is InvalidOperationException && ex.Message.StartsWith("processor '", StringComparison.Ordinal);
}
