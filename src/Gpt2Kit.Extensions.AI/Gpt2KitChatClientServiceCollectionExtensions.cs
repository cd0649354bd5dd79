using Gpt2Kit.Decoding;
using Gpt2Kit.Extensions.AI;
using Gpt2Kit.Plugins;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="Gpt2KitChatClient"/> as the <see cref="IChatClient"/>, through Microsoft.Extensions.AI's <see cref="ChatClientBuilder"/>.</summary>
/// <remarks>Stateless; used during start-up on one thread, like the service collection.</remarks>
public static class Gpt2KitChatClientServiceCollectionExtensions
{
    /// <summary>Adds a singleton <see cref="IChatClient"/> over the registered <see cref="ITextGenerator"/> and returns
    /// Microsoft.Extensions.AI's <see cref="ChatClientBuilder"/>, so middleware can be added (<c>UseLogging</c>,
    /// <c>UseOpenTelemetry</c>, <c>UseDistributedCache</c>, …). Requests start from the configured
    /// <c>IOptions&lt;GenerationOptions&gt;</c> unless <paramref name="configure"/> sets
    /// <see cref="Gpt2KitChatClientOptions.GenerationDefaults"/>.</summary>
    public static ChatClientBuilder AddGpt2KitChatClient(this IGpt2KitBuilder builder, Action<Gpt2KitChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddGpt2KitChatClient(configure);
    }

    /// <summary>Adds a singleton <see cref="IChatClient"/> over the registered <see cref="ITextGenerator"/>
    /// (register one with <c>AddGpt2Kit</c> and a model) and returns its <see cref="ChatClientBuilder"/>.</summary>
    public static ChatClientBuilder AddGpt2KitChatClient(this IServiceCollection services, Action<Gpt2KitChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddChatClient(provider =>
        {
            var options = new Gpt2KitChatClientOptions { GenerationDefaults = provider.GetService<IOptions<GenerationOptions>>()?.Value };
            configure?.Invoke(options);
            return new Gpt2KitChatClient(provider.GetRequiredService<ITextGenerator>(), options);
        });
    }
}
