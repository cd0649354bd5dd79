using Gpt2Kit.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit;

/// <summary>The builder returned by <c>AddGpt2Kit</c>; registrations chain on it.</summary>
/// <remarks>Used during start-up on one thread; not thread-safe.</remarks>
public sealed class Gpt2KitBuilder : IGpt2KitBuilder
{
    /// <summary>Wraps a service collection.</summary>
    public Gpt2KitBuilder(IServiceCollection services) => Services = services ?? throw new ArgumentNullException(nameof(services));

    /// <inheritdoc/>
    public IServiceCollection Services { get; }
}
