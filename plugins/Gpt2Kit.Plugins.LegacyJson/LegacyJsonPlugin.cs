using Gpt2Kit.Plugins;

namespace Gpt2Kit.Plugins.LegacyJson;

/// <summary>Registers the <c>json_bias</c> processor, whose bias tables are read with Newtonsoft.Json 12.</summary>
/// <remarks>Called once by the plugin loader; not thread-safe.</remarks>
public sealed class LegacyJsonPlugin : IGpt2KitPlugin
{
    /// <inheritdoc/>
    public void Register(IGpt2KitBuilder builder) => builder.AddLogitsProcessor(new JsonBiasProcessorFactory());
}
