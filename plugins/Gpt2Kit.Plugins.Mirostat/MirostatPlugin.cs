using Gpt2Kit.Decoding;
using Gpt2Kit.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Plugins.Mirostat;

/// <summary>Registers the <c>mirostat_v2</c> search strategy. Its settings come from the host's configuration section
/// <c>Gpt2Kit:Mirostat</c> (<c>tau</c>, default 5; <c>eta</c>, default 0.1) when the host registers an
/// <see cref="IConfiguration"/>.</summary>
/// <remarks>Called once by the plugin loader; not thread-safe.</remarks>
public sealed class MirostatPlugin : IGpt2KitPlugin
{
    /// <summary>The configuration section read for <c>tau</c> and <c>eta</c>.</summary>
    public const string SectionPath = "Gpt2Kit:Mirostat";

    /// <inheritdoc/>
    public void Register(IGpt2KitBuilder builder) => builder.Services.AddSingleton<ISearchStrategy>(services =>
        MirostatV2Strategy.FromConfiguration(services.GetService<IConfiguration>()?.GetSection(SectionPath)));
}
