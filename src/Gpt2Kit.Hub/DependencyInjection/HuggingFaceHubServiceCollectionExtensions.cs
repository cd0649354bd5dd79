using Gpt2Kit.Hub;
using Gpt2Kit.Models;
using Gpt2Kit.Plugins;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Hugging Face Hub as the way a Gpt2Kit host finds models by name.</summary>
/// <remarks>Used during start-up on one thread; not thread-safe.</remarks>
public static class HuggingFaceHubServiceCollectionExtensions
{
    /// <summary>Registers <see cref="HuggingFaceModelResolver"/> as the <see cref="IModelResolver"/>, so that
    /// <c>Gpt2Kit:Model</c> takes <c>demo</c>, a folder, or a Hugging Face name (<c>gpt2</c>, <c>org/name@revision</c>)
    /// found in the Hugging Face cache or downloaded into it. The settings are read from the <c>HF_*</c> environment
    /// variables (<see cref="HuggingFaceHubOptions.FromEnvironment"/>) when the resolver is first needed, then
    /// <paramref name="configure"/> may change them.</summary>
    /// <param name="builder">The Gpt2Kit builder.</param>
    /// <param name="configure">Changes the cache folder, endpoint, offline mode, token or attempts. Given, this registration
    /// replaces an earlier resolver; without it, a resolver registered earlier is kept (backends such as
    /// <c>AddGpt2Backend()</c> call this method without it).</param>
    public static IGpt2KitBuilder AddHuggingFaceHub(this IGpt2KitBuilder builder, Action<HuggingFaceHubOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var descriptor = ServiceDescriptor.Singleton<IModelResolver>(_ =>
        {
            var options = HuggingFaceHubOptions.FromEnvironment();
            configure?.Invoke(options);
            return new HuggingFaceModelResolver(options);
        });
        if (configure is null)
        {
            builder.Services.TryAdd(descriptor);
        }
        else
        {
            builder.Services.Replace(descriptor);
        }

        return builder;
    }
}
