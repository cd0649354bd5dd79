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
            var processor = inner.Create(arguments, context);

            // A selector or token observer keeps its role in the chain behind the guard.
            return processor switch
            {
                ITokenSelector => new GuardedSelector(processor, inner.Name, plugin),
                ITokenObserver => new GuardedObserver(processor, inner.Name, plugin),
                _ => new GuardedLogitsProcessor(processor, inner.Name, plugin),
            };
        }
        catch (Exception ex) when (!PluginFault.PassesThrough(ex))
        {
            throw PluginFault.Wrap("processor", inner.Name, plugin, ex);
        }
    }

    private sealed class GuardedSelector(ILogitsProcessor processor, string name, string plugin) : GuardedObserver(processor, name, plugin), ITokenSelector
    {
        public int Select(in LogitsContext context, ReadOnlySpan<float> scores, Random random)
        {
            try
            {
                return ((ITokenSelector)Inner).Select(context, scores, random);
            }
            catch (Exception ex) when (!PluginFault.PassesThrough(ex))
            {
                throw Fault(ex);
            }
        }
    }

    private class GuardedObserver(ILogitsProcessor processor, string name, string plugin) : ILogitsProcessor, ITokenObserver
    {
        private readonly GuardedLogitsProcessor _process = new(processor, name, plugin);

        protected ILogitsProcessor Inner => processor;

        public void Process(in LogitsContext context, Span<float> scores) => _process.Process(context, scores);

        public void Accept(in LogitsContext context, int token)
        {
            try
            {
                (processor as ITokenObserver)?.Accept(context, token);
            }
            catch (Exception ex) when (!PluginFault.PassesThrough(ex))
            {
                throw Fault(ex);
            }
        }

        protected Exception Fault(Exception ex) => PluginFault.Wrap("processor", name, plugin, ex);
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
