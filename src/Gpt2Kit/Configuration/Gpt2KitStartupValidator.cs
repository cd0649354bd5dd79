using Gpt2Kit.Decoding;
using Gpt2Kit.Models;
using Gpt2Kit.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gpt2Kit.Configuration;

/// <summary>Checks the configured defaults when <c>IOptions&lt;GenerationOptions&gt;</c> is first resolved (when the
/// generator is built, or at host start through <c>ValidateOnStart</c>): no two components share a name, the configured
/// search strategy exists, and every entry of the explicit processor chain names a registered processor whose factory
/// accepts its settings (each factory's <c>Create</c> is called once).</summary>
/// <remarks>Thread-safe. Failures throw <see cref="GenerationConfigurationException"/> (path, value, what is allowed) or,
/// for name clashes, <see cref="InvalidOperationException"/> naming both owners.</remarks>
public sealed class Gpt2KitStartupValidator : IValidateOptions<GenerationOptions>
{
    /// <summary>The model the chain is checked against before a real one is loaded: GPT-2's vocabulary and context.</summary>
    public static ModelInfo ReferenceModel { get; } = new()
    {
        Name = "gpt2 (start-up check)",
        VocabSize = 50257,
        ContextLength = 1024,
        HiddenSize = 768,
        EosTokenIds = [50256],
        BosTokenId = 50256,
    };

    private readonly ILogitsProcessorFactory[] _processors;
    private readonly ISearchStrategy[] _strategies;
    private readonly IStoppingCriterionFactory[] _stoppingCriteria;
    private readonly PluginLoadReport? _report;
    private readonly string _sectionPath;

    /// <summary>Creates the validator over the registered components.</summary>
    /// <param name="processors">Every registered processor factory.</param>
    /// <param name="strategies">Every registered search strategy.</param>
    /// <param name="stoppingCriteria">Every registered stopping criterion factory.</param>
    /// <param name="report">The plugin report, to name the plugin that owns a component; null without plugins.</param>
    /// <param name="sectionPath">The configuration section the defaults came from, for messages.</param>
    public Gpt2KitStartupValidator(
        IEnumerable<ILogitsProcessorFactory> processors,
        IEnumerable<ISearchStrategy> strategies,
        IEnumerable<IStoppingCriterionFactory> stoppingCriteria,
        PluginLoadReport? report = null,
        string sectionPath = Gpt2KitConfiguration.SectionName)
    {
        _processors = [.. processors ?? throw new ArgumentNullException(nameof(processors))];
        _strategies = [.. strategies ?? throw new ArgumentNullException(nameof(strategies))];
        _stoppingCriteria = [.. stoppingCriteria ?? throw new ArgumentNullException(nameof(stoppingCriteria))];
        _report = report;
        _sectionPath = sectionPath;
    }

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckUnique(_processors.Select(p => (p.Name, (object)p)), PluginComponentKind.Processor);
        CheckUnique(_strategies.Select(s => (s.Name, (object)s)), PluginComponentKind.Strategy);
        CheckUnique(_stoppingCriteria.Select(s => (s.Name, (object)s)), PluginComponentKind.StoppingCriterion);

        if (options.Strategy is { } strategy && !_strategies.Any(s => s.Name.Equals(strategy, StringComparison.OrdinalIgnoreCase)))
        {
            throw new GenerationConfigurationException(_sectionPath.Length == 0 ? "Search" : $"{_sectionPath}:Search", strategy,
                $"a registered search strategy ({string.Join(", ", _strategies.Select(s => s.Name).Order(StringComparer.Ordinal))})");
        }

        if (options.Processors is { } specs)
        {
            // Factories may read request defaults (seed, beams, penalties); the configured layer stands in for a request.
            var layered = GenerationOptionRules.Defaults().Overlay(options);
            var preview = new ResolvedGenerationOptions
            {
                MaxLength = ReferenceModel.ContextLength,
                Strategy = layered.Strategy ?? "greedy",
                NumBeams = layered.NumBeams!.Value,
                NumBeamGroups = layered.NumBeamGroups!.Value,
                DiversityPenalty = layered.DiversityPenalty!.Value,
                NumReturnSequences = layered.NumReturnSequences!.Value,
                DoSample = layered.DoSample!.Value,
                Seed = layered.Seed,
                EosTokenId = [.. (IEnumerable<int>?)layered.EosTokenId ?? ReferenceModel.EosTokenIds],
            };
            var context = new ProcessorCreationContext(ReferenceModel, preview, MinTokensToKeep: 1, Tokenizer: null);
            foreach (var spec in specs)
            {
                var factory = _processors.FirstOrDefault(p => p.Name.Equals(spec.Type, StringComparison.OrdinalIgnoreCase))
                    ?? throw new GenerationConfigurationException($"{spec.Path}:type", spec.Type,
                        $"a registered processor type ({string.Join(", ", _processors.Select(p => p.Name).Order(StringComparer.Ordinal))})");
                factory.Create(new ProcessorArguments(spec), context);
            }
        }

        return ValidateOptionsResult.Success;
    }

    /// <summary>Registers the validator (once) and asks hosts to run it at start.</summary>
    internal static void Register(IServiceCollection services, string sectionPath = Gpt2KitConfiguration.SectionName)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<GenerationOptions>) && d.ImplementationFactory?.Target is Registration))
        {
            return;
        }

        services.AddSingleton<IValidateOptions<GenerationOptions>>(new Registration(sectionPath).Create);
        services.AddOptions<GenerationOptions>().ValidateOnStart();
    }

    private void CheckUnique(IEnumerable<(string Name, object Component)> components, PluginComponentKind kind)
    {
        foreach (var clash in components.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            var owners = clash.Select(c => Owner(c.Component)).ToList();
            throw new InvalidOperationException(
                $"{PluginLoader.Noun(kind)} '{clash.Key}' is registered {owners.Count} times: by {string.Join(" and by ", owners)}; names must be unique.");
        }
    }

    private string Owner(object component) => component switch
    {
        GuardedLogitsProcessorFactory g => $"plugin {PluginOf(g.Name, PluginComponentKind.Processor)}",
        GuardedSearchStrategy g => $"plugin {PluginOf(g.Name, PluginComponentKind.Strategy)}",
        GuardedStoppingCriterionFactory g => $"plugin {PluginOf(g.Name, PluginComponentKind.StoppingCriterion)}",
        _ => $"the host ({component.GetType().FullName})",
    };

    private string PluginOf(string name, PluginComponentKind kind) => _report?.FindOwner(name, kind)?.Name ?? "(unknown)";

    // The factory's target marks the registration, so that registering twice adds one validator.
    private sealed class Registration(string sectionPath)
    {
        public IValidateOptions<GenerationOptions> Create(IServiceProvider services) => new Gpt2KitStartupValidator(
            services.GetServices<ILogitsProcessorFactory>(),
            services.GetServices<ISearchStrategy>(),
            services.GetServices<IStoppingCriterionFactory>(),
            services.GetService<PluginLoadReport>(),
            sectionPath);
    }
}
