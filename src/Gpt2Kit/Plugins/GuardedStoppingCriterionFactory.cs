using Gpt2Kit.Decoding;

namespace Gpt2Kit.Plugins;

/// <summary>Wraps a plugin's stopping criterion factory so that a failure names the criterion and the plugin.</summary>
/// <remarks>As thread-safe as the wrapped factory.</remarks>
internal sealed class GuardedStoppingCriterionFactory(IStoppingCriterionFactory inner, string plugin) : IStoppingCriterionFactory
{
    public string Name => inner.Name;

    public IStoppingCriterion? Create(ResolvedGenerationOptions options, ProcessorCreationContext context)
    {
        try
        {
            return inner.Create(options, context) is { } criterion ? new GuardedStoppingCriterion(criterion, inner.Name, plugin) : null;
        }
        catch (Exception ex) when (!PluginFault.PassesThrough(ex))
        {
            throw PluginFault.Wrap("stopping criterion", inner.Name, plugin, ex);
        }
    }

    private sealed class GuardedStoppingCriterion(IStoppingCriterion criterion, string name, string plugin) : IStoppingCriterion
    {
        public FinishReason Check(in StoppingContext context)
        {
            try
            {
                return criterion.Check(context);
            }
            catch (Exception ex) when (!PluginFault.PassesThrough(ex))
            {
                throw PluginFault.Wrap("stopping criterion", name, plugin, ex);
            }
        }
    }
}
