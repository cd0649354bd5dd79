using Gpt2Kit.Decoding;
using Gpt2Kit.Decoding.Search;

namespace Gpt2Kit.Plugins;

/// <summary>Wraps a plugin's processor factory so that a failure names the processor and the plugin; the request fails,
/// the host and later requests do not.</summary>
/// <remarks>As thread-safe as the wrapped factory.</remarks>
internal sealed class GuardedLogitsProcessorFactory(ILogitsProcessorFactory inner, string plugin) : ILogitsProcessorFactory
{
    public string Name => inner.Name;

    public LogitsProcessorStage Stage => inner.Stage;

    /// <summary>The plugin's own factory.</summary>
    public ILogitsProcessorFactory Inner => inner;

    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        try
        {
            return new GuardedLogitsProcessor(inner.Create(arguments, context), inner.Name, plugin);
        }
        catch (Exception ex) when (!PluginFault.PassesThrough(ex))
        {
            throw PluginFault.Wrap("processor", inner.Name, plugin, ex);
        }
    }

    private sealed class GuardedLogitsProcessor(ILogitsProcessor processor, string name, string plugin) : ILogitsProcessor
    {
        private readonly string _call = $"processor '{name}' (plugin {plugin})";

        public void Process(in LogitsContext context, Span<float> scores)
        {
            var watch = PluginCallWatch.Current;
            string? outer = watch?.Enter(_call);
            try
            {
                processor.Process(context, scores);
            }
            catch (Exception ex) when (!PluginFault.PassesThrough(ex))
            {
                throw PluginFault.Wrap("processor", name, plugin, ex);
            }
            finally
            {
                watch?.Exit(outer);
            }

            // Checked here as well as after the chain, so that the message names the plugin that produced the NaN.
            NonFiniteScores.CheckProcessed(scores, _call, context.Row, context.Step);
        }
    }
}
