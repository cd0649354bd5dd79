using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Plugins;

/// <summary>The entry point of a plugin assembly: the loader creates it (public parameterless constructor) and calls
/// <see cref="Register"/> once.</summary>
/// <remarks>Called once, on one thread; implementations need not be thread-safe.</remarks>
public interface IGpt2KitPlugin
{
    /// <summary>Adds the plugin's processors, strategies, stopping criteria or model backends.</summary>
    void Register(IGpt2KitBuilder builder);
}

/// <summary>Collects Gpt2Kit registrations on a service collection.</summary>
/// <remarks>Used during start-up on one thread; not thread-safe.</remarks>
public interface IGpt2KitBuilder
{
    /// <summary>The services being configured.</summary>
    IServiceCollection Services { get; }
}

/// <summary>Registration helpers shared by the host and plugins.</summary>
/// <remarks>Stateless; used during start-up on one thread, like the builder.</remarks>
public static class Gpt2KitBuilderExtensions
{
    /// <summary>Registers a logits processor factory.</summary>
    public static IGpt2KitBuilder AddLogitsProcessor(this IGpt2KitBuilder builder, Decoding.ILogitsProcessorFactory factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(factory);
        return builder;
    }

    /// <summary>Registers a search strategy.</summary>
    public static IGpt2KitBuilder AddSearchStrategy(this IGpt2KitBuilder builder, Decoding.ISearchStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(strategy);
        return builder;
    }

    /// <summary>Registers a stopping criterion factory.</summary>
    public static IGpt2KitBuilder AddStoppingCriterion(this IGpt2KitBuilder builder, Decoding.IStoppingCriterionFactory factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(factory);
        return builder;
    }

    /// <summary>Registers a model backend.</summary>
    public static IGpt2KitBuilder AddModelLoader(this IGpt2KitBuilder builder, Models.IModelLoader loader)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(loader);
        return builder;
    }
}
