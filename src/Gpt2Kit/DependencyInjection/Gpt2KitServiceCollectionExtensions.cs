using Gpt2Kit;
using Gpt2Kit.Plugins;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Gpt2Kit in a service collection.</summary>
public static class Gpt2KitServiceCollectionExtensions
{
    /// <summary>The configuration section Gpt2Kit reads by default.</summary>
    public const string DefaultSectionName = "Gpt2Kit";

    /// <summary>Adds the Gpt2Kit host and its built-in processors, strategies and stopping criteria; binds options from
    /// <paramref name="configuration"/> (its <c>Gpt2Kit</c> section, or the root when it has no such section).</summary>
    public static IGpt2KitBuilder AddGpt2Kit(this IServiceCollection services, IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new Gpt2KitBuilder(services);
        return builder;
    }
}
