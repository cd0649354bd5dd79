using Gpt2Kit;
using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Gpt2Kit.Decoding.Processors;
using Gpt2Kit.Decoding.Search;
using Gpt2Kit.Decoding.Stopping;
using Gpt2Kit.Models;
using Gpt2Kit.Plugins;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Gpt2Kit in a service collection.</summary>
/// <remarks>Used during start-up on one thread; not thread-safe.</remarks>
public static class Gpt2KitServiceCollectionExtensions
{
    /// <summary>The configuration section Gpt2Kit reads by default.</summary>
    public const string DefaultSectionName = "Gpt2Kit";

    /// <summary>Adds the Gpt2Kit host and its built-in processors, strategies and stopping criteria; binds options from
    /// <paramref name="configuration"/> (its <c>Gpt2Kit</c> section, or the root when it has no such section).</summary>
    /// <remarks>Registers, as singletons: the search strategies <c>greedy</c>, <c>sample</c>, <c>beam</c>,
    /// <c>beam_sample</c>, <c>group_beam</c>, <c>contrastive</c> (<see cref="ISearchStrategy"/>); the stopping criterion
    /// factories <c>stop_strings</c> and <c>max_time</c> (<see cref="IStoppingCriterionFactory"/>; maximum length and EOS are
    /// applied by every strategy itself); every built-in <see cref="ILogitsProcessorFactory"/> plus <c>hamming_diversity</c>;
    /// and <see cref="ITextGenerator"/> (a <see cref="TextGenerator"/> over the registered <see cref="ICausalLanguageModel"/>,
    /// <see cref="ITokenizer"/> and <see cref="IOptions{GenerationOptions}"/> defaults). Calling it twice adds nothing twice.</remarks>
    public static IGpt2KitBuilder AddGpt2Kit(this IServiceCollection services, IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new Gpt2KitBuilder(services);
        if (services.Any(d => d.ServiceType == typeof(Gpt2KitMarker)))
        {
            return builder;
        }

        services.AddSingleton<Gpt2KitMarker>();
        services.AddOptions<GenerationOptions>();

        // Search strategies (one instance serves every request).
        services.AddSingleton<ISearchStrategy, GreedySearch>();
        services.AddSingleton<ISearchStrategy, SampleSearch>();
        services.AddSingleton<ISearchStrategy, BeamSearch>();
        services.AddSingleton<ISearchStrategy, BeamSampleSearch>();
        services.AddSingleton<ISearchStrategy, GroupBeamSearch>();
        services.AddSingleton<ISearchStrategy, ContrastiveSearch>();

        // Stopping criteria that a request switches on through its options.
        services.AddSingleton<IStoppingCriterionFactory, StopStringCriterionFactory>();
        services.AddSingleton<IStoppingCriterionFactory, MaxTimeCriterionFactory>();

        // Logits processors: the built-in chain, plus the group beam search's diversity penalty.
        BuiltInProcessors.AddBuiltInProcessors(services);
        services.AddSingleton<ILogitsProcessorFactory, HammingDiversityProcessorFactory>();

        services.TryAddSingleton<ITextGenerator>(provider =>
        {
            var model = provider.GetService<ICausalLanguageModel>() ?? provider.GetService<ConfiguredModel>()?.Model ?? throw MissingModel(nameof(ICausalLanguageModel));
            return new TextGenerator(
                model,
                provider.GetService<ITokenizer>() ?? provider.GetService<ConfiguredModel>()?.Tokenizer ?? throw MissingModel(nameof(ITokenizer)),
                provider.GetServices<ISearchStrategy>(),
                provider.GetServices<ILogitsProcessorFactory>(),
                provider.GetServices<IStoppingCriterionFactory>(),
                // Hugging Face's layers: defaults ◄ the model's generation_config.json ◄ the application's settings.
                Microsoft.Extensions.Options.Options.Create(ModelGenerationDefaults.Build(model.Info, provider)));
        });

        // Configuration: plugins load now; the defaults bind and are validated when the generator is built.
        if (configuration is not null)
        {
            builder.Configure(configuration);
        }
        else
        {
            Gpt2KitStartupValidator.Register(services);
        }

        return builder;
    }

    private static InvalidOperationException MissingModel(string what) => new(
        $"No {what} is registered: call AddGpt2Model(folder), or set Gpt2Kit:Model (a folder or Hugging Face name) and register a backend (AddGpt2Backend()).");

    /// <summary>Marks a collection that already holds the Gpt2Kit registrations.</summary>
    private sealed class Gpt2KitMarker;
}
