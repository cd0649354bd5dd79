using Gpt2Kit.Plugins;

namespace Gpt2Kit.Plugins.Xtc;

/// <summary>Registers the <c>xtc</c> sampling warper and the <c>dry</c> processor.</summary>
/// <remarks>Called once by the plugin loader; not thread-safe.</remarks>
public sealed class XtcPlugin : IGpt2KitPlugin
{
    /// <inheritdoc/>
    public void Register(IGpt2KitBuilder builder)
    {
        builder.AddLogitsProcessor(new XtcProcessorFactory());
        builder.AddLogitsProcessor(new DryProcessorFactory());
    }
}
