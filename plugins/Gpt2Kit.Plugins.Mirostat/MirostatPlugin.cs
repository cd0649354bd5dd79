using Gpt2Kit.Plugins;

namespace Gpt2Kit.Plugins.Mirostat;

/// <summary>Registers the <c>mirostat_v2</c> search strategy with its default settings (tau 5, eta 0.1).</summary>
/// <remarks>Called once by the plugin loader; not thread-safe.</remarks>
public sealed class MirostatPlugin : IGpt2KitPlugin
{
    /// <inheritdoc/>
    public void Register(IGpt2KitBuilder builder) => builder.AddSearchStrategy(new MirostatV2Strategy());
}
