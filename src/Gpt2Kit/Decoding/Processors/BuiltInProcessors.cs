using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gpt2Kit.Decoding.Processors;

/// <summary>The built-in logits processor factories and their registration.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class BuiltInProcessors
{
    /// <summary>One instance of every built-in factory.</summary>
    public static IReadOnlyList<ILogitsProcessorFactory> CreateFactories() =>
    [
        new SequenceBiasProcessorFactory(),
        new EncoderRepetitionPenaltyProcessorFactory(),
        new RepetitionPenaltyProcessorFactory(),
        new PresencePenaltyProcessorFactory(),
        new FrequencyPenaltyProcessorFactory(),
        new LogitBiasProcessorFactory(),
        new NoRepeatNgramProcessorFactory(),
        new EncoderNoRepeatNgramProcessorFactory(),
        new BadWordsProcessorFactory(),
        new MinLengthProcessorFactory(),
        new MinNewTokensProcessorFactory(),
        new ForcedBosProcessorFactory(),
        new ForcedEosProcessorFactory(),
        new RemoveInvalidValuesProcessorFactory(),
        new ExponentialDecayLengthPenaltyProcessorFactory(),
        new SuppressTokensProcessorFactory(),
        new BeginSuppressTokensProcessorFactory(),
        new TemperatureProcessorFactory(),
        new TopKProcessorFactory(),
        new TopPProcessorFactory(),
        new MinPProcessorFactory(),
        new TypicalPProcessorFactory(),
        new EpsilonCutoffProcessorFactory(),
        new EtaCutoffProcessorFactory(),
        new RenormalizeProcessorFactory(),
    ];

    /// <summary>Registers every built-in factory as an <see cref="ILogitsProcessorFactory"/> singleton, and the
    /// <see cref="ProcessorChainBuilder"/> over all registered factories. Calling it twice registers nothing twice.</summary>
    public static IServiceCollection AddBuiltInProcessors(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        foreach (var factory in CreateFactories())
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(ILogitsProcessorFactory), factory));
        }

        services.TryAddSingleton<ProcessorChainBuilder>();
        return services;
    }
}
