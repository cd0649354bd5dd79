using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Gpt2Kit.Decoding.Inspection;
using Gpt2Kit.Decoding.Processors;
using Gpt2Kit.Decoding.Search;
using Gpt2Kit.Decoding.Streaming;
using Gpt2Kit.Configuration;
using Gpt2Kit.Models;
using Gpt2Kit.Plugins;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gpt2Kit.Decoding;

/// <summary>Generates text from a causal language model with Hugging Face <c>generate()</c> behaviour: resolves a request's
/// options, pads its prompts on the left, builds its processor chain and stopping criteria, runs the chosen
/// <see cref="ISearchStrategy"/> and shapes the result as Hugging Face returns it.</summary>
/// <remarks>Thread-safe: every request gets its own options copy, chain, criteria, random source and model session; the
/// generator itself holds only immutable state. It does not own the model or the tokenizer (it never disposes them).</remarks>
public sealed class TextGenerator : ITextGenerator
{
    private readonly ICausalLanguageModel _model;
    private readonly GenerationOptions _defaults;
    private readonly GenerationOptions _modelLayer;
    private readonly GenerationOptions? _appLayer;
    private readonly ProcessorChainBuilder _chainBuilder;
    private readonly Dictionary<string, ISearchStrategy> _strategies = new(StringComparer.OrdinalIgnoreCase);
    private readonly IStoppingCriterionFactory[] _stoppingFactories;

    /// <summary>Creates a generator over registered components (what <c>AddGpt2Kit()</c> resolves).</summary>
    /// <param name="model">The model.</param>
    /// <param name="tokenizer">The tokenizer for text prompts, outputs and stop strings.</param>
    /// <param name="strategies">Search strategies by name (the built-in ones and any plugin's).</param>
    /// <param name="processorFactories">Logits processor factories.</param>
    /// <param name="stoppingCriterionFactories">Stopping criterion factories (stop strings, <c>max_time</c>, plugins').</param>
    /// <param name="defaultOptions">The application's layer of options, laid over the model's <c>generation_config.json</c>
    /// (<see cref="ModelInfo.GenerationConfigJson"/>); each request's options are laid over both, field by field.</param>
    /// <exception cref="ArgumentException">Two strategies or two processor factories share a name.</exception>
    public TextGenerator(
        ICausalLanguageModel model,
        ITokenizer tokenizer,
        IEnumerable<ISearchStrategy> strategies,
        IEnumerable<ILogitsProcessorFactory> processorFactories,
        IEnumerable<IStoppingCriterionFactory> stoppingCriterionFactories,
        IOptions<GenerationOptions>? defaultOptions = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        ArgumentNullException.ThrowIfNull(strategies);
        ArgumentNullException.ThrowIfNull(processorFactories);
        ArgumentNullException.ThrowIfNull(stoppingCriterionFactories);
        foreach (var strategy in strategies)
        {
            if (!_strategies.TryAdd(strategy.Name, strategy))
            {
                throw new ArgumentException(
                    $"Two search strategies are named '{strategy.Name}': {_strategies[strategy.Name].GetType().FullName} and {strategy.GetType().FullName}.",
                    nameof(strategies));
            }
        }

        _chainBuilder = new ProcessorChainBuilder(processorFactories);
        _stoppingFactories = stoppingCriterionFactories.ToArray();
        // The generator's layers: the model's generation_config.json ◄ the application's settings. The library defaults lie
        // under both and each request over both (see GenerationOptionsResolver).
        _modelLayer = ModelGenerationDefaults.For(model.Info);
        _appLayer = defaultOptions?.Value.Clone();
        _defaults = _modelLayer.Overlay(_appLayer);
    }

    /// <summary>Creates a generator with the built-in strategies, processors and stopping criteria, without a DI container.</summary>
    /// <param name="model">The model (not owned: dispose it yourself).</param>
    /// <param name="tokenizer">The tokenizer.</param>
    /// <param name="defaultOptions">The application's layer of options, laid over the model's <c>generation_config.json</c>;
    /// each request's options are laid over both, field by field.</param>
    public static TextGenerator Create(ICausalLanguageModel model, ITokenizer tokenizer, GenerationOptions? defaultOptions = null)
    {
        var services = new ServiceCollection();
        services.AddGpt2Kit();
        using var provider = services.BuildServiceProvider();
        return new TextGenerator(
            model,
            tokenizer,
            provider.GetServices<ISearchStrategy>(),
            provider.GetServices<ILogitsProcessorFactory>(),
            provider.GetServices<IStoppingCriterionFactory>(),
            defaultOptions is null ? null : Options.Create(defaultOptions));
    }

    /// <inheritdoc/>
    public ModelInfo Model => _model.Info;

    /// <inheritdoc/>
    public ITokenizer Tokenizer { get; }

    /// <summary>The registered strategy names.</summary>
    public IReadOnlyCollection<string> StrategyNames => _strategies.Keys;

    /// <summary>A copy of the generator's layers (the model's generation config ◄ the application's settings): what a request
    /// that sets nothing runs with, over the library defaults.</summary>
    public GenerationOptions DefaultOptions => _defaults.Clone();

    /// <inheritdoc/>
    public async Task<GenerationResult> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        var run = Prepare(request);
        var progress = new RowProgressObserver(null);
        var watch = PluginCallWatch.Start();
        var search = Task.Run(() => run.Strategy.Search(run.Context(progress, cancellationToken), cancellationToken), cancellationToken);
        await watch.WaitAsync(search, run.Options.MaxTime, cancellationToken).ConfigureAwait(false);
        return Complete(run, await search.ConfigureAwait(false), progress);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<GenerationUpdate> GenerateStreamingAsync(
        GenerationRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var run = Prepare(request);
        var channel = Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var streamed = new ChannelGenerationObserver(channel.Writer, Tokenizer, run.Options.StopStrings);
        var progress = new RowProgressObserver(streamed);
        var watch = PluginCallWatch.Start();
        var producer = Task.Run(
            () =>
            {
                try
                {
                    var result = run.Strategy.Search(run.Context(progress, stop.Token), stop.Token);
                    if (!progress.Reported)
                    {
                        // Strategies that choose whole sequences at the end (beam searches) are streamed from their result.
                        Replay(run, result, progress);
                    }

                    channel.Writer.TryComplete();
                }
                catch (Exception e)
                {
                    channel.Writer.TryComplete(e);
                }
            },
            CancellationToken.None);

        // A plugin that does not return after cancellation or max_time ends the stream with an error naming it.
        var watched = WatchAsync();
        async Task WatchAsync()
        {
            try
            {
                await watch.WaitAsync(producer, run.Options.MaxTime, stop.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
            }
        }

        try
        {
            // Read without the token: the producer notices cancellation within one step, reports the rows as cancelled and
            // ends the channel with the OperationCanceledException, which surfaces here after those updates.
            await foreach (var update in channel.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                yield return update;
            }
        }
        finally
        {
            // A consumer that stops early (or is cancelled) stops the producer too.
            await stop.CancelAsync().ConfigureAwait(false);
            await watched.ConfigureAwait(false);
        }
    }

    /// <summary>Runs the request's processor chain for <paramref name="steps"/> steps and reports, per row and step, the
    /// <paramref name="top"/> most likely tokens after it (processed score and its log-softmax), following one path: the
    /// most likely token, or a drawn one when the request samples.</summary>
    /// <param name="request">Prompts and options, as for <see cref="GenerateAsync"/> (its length options are replaced by
    /// <paramref name="steps"/>).</param>
    /// <param name="steps">Positions to inspect, at least 1.</param>
    /// <param name="top">Tokens to report per step.</param>
    /// <param name="promptLength">The prompt length the processors see (e.g. 3 of 5 input ids: the last 2 count as already
    /// generated, which matters to <c>min_new_tokens</c> and the like); null uses the padded input width.</param>
    /// <param name="cancellationToken">Checked once per step.</param>
    /// <exception cref="GenerationConfigurationException">An option or argument is invalid.</exception>
    public Task<IReadOnlyList<InspectionStep>> InspectAsync(GenerationRequest request, int steps, int top, int? promptLength = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = request.Options?.Clone() ?? new GenerationOptions();
        options.MaxNewTokens = Math.Max(1, steps);
        var run = Prepare(request with { Options = options }, promptLength, run =>
            LogitsInspector.Validate(steps, top, promptLength, run.Prompt.Width, Model.VocabSize));
        int declared = promptLength ?? run.Prompt.Width;
        return Task.Run(() => LogitsInspector.Run(run, steps, top, declared, cancellationToken), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ScoreResult> ScoreAsync(int[] prompt, int[] continuation, CancellationToken cancellationToken = default) =>
        ScoreAsync(prompt, continuation, 0, cancellationToken);

    /// <inheritdoc/>
    public Task<ScoreResult> ScoreAsync(int[] prompt, int[] continuation, int topAlternatives, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(continuation);
        GenerationOptionRules.TopAlternatives.Check(topAlternatives);
        var scoredPrompt = ContinuationScorer.Check(prompt, continuation, Model);
        return Task.Run(() => ContinuationScorer.Score(new ChunkedPrefillModel(_model, cancellationToken, null), scoredPrompt, continuation, topAlternatives,
            cancellationToken), cancellationToken);
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType.IsInstanceOfType(this))
        {
            return this;
        }

        if (serviceType.IsInstanceOfType(_model))
        {
            return _model;
        }

        if (serviceType.IsInstanceOfType(Tokenizer))
        {
            return Tokenizer;
        }

        return serviceType == typeof(ModelInfo) ? _model.Info : null;
    }

    /// <summary>Resolves a request: options, prompts, lengths, strategy, chain and criteria. Every error surfaces here,
    /// before any model work.</summary>
    /// <param name="request">The request.</param>
    /// <param name="declaredPromptLength">For inspection: the prompt length processors see, when shorter than the input.</param>
    /// <param name="checkPrompt">For inspection: more checks once the prompt is known.</param>
    internal PreparedRun Prepare(GenerationRequest request, int? declaredPromptLength = null, Action<PreparedRun>? checkPrompt = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return PrepareCore(request, declaredPromptLength, checkPrompt);
        }
        catch (GenerationConfigurationException e) when (FromModelFile(e, request.Options) is { } attributed)
        {
            throw attributed;
        }
    }

    // A value only the model's generation_config.json set is reported as that file's error, not as the request's.
    private GenerationConfigurationException? FromModelFile(GenerationConfigurationException error, GenerationOptions? request)
    {
        if (GenerationOptionRules.Find(error.SettingPath.Split(':')[0]) is not { } rule
            || (request is not null && rule.Property.GetValue(request) is not null)
            || (_appLayer is not null && rule.Property.GetValue(_appLayer) is not null)
            || rule.Property.GetValue(_modelLayer) is null)
        {
            return null;
        }

        var path = $"{_model.Info.Name}/generation_config.json: {error.SettingPath}";
        return error.Value is null ? new GenerationConfigurationException(path, error.Allowed) : new GenerationConfigurationException(path, error.Value, error.Allowed);
    }

    private PreparedRun PrepareCore(GenerationRequest request, int? declaredPromptLength, Action<PreparedRun>? checkPrompt)
    {
        var info = _model.Info;
        var resolved = GenerationOptionsResolver.Resolve(_defaults.Overlay(request.Options), info);
        var prompt = PromptBatch.Create(request, Tokenizer, info.VocabSize, resolved.Options.BosTokenId, resolved.PadTokenId);
        var options = GenerationOptionsResolver.Finish(resolved, prompt.Width, prompt.InputIds.Length, info, declaredPromptLength);
        if (!_strategies.TryGetValue(resolved.Strategy, out var strategy))
        {
            throw new GenerationConfigurationException("strategy", resolved.Strategy,
                $"a registered search strategy ({string.Join(", ", _strategies.Keys.Order(StringComparer.Ordinal))})");
        }

        strategy.Validate(options, info);
        bool sampling = SearchStrategyNames.IsSampling(strategy.Name) || (!IsBuiltIn(strategy.Name) && options.DoSample);
        // Beam sampling keeps #EOS + 1 tokens per row (2 without EOS), so every beam has a non-EOS continuation.
        int minTokensToKeep = strategy.Name == SearchStrategyNames.BeamSample ? Math.Max(1, resolved.EosTokenIds.Length) + 1 : 1;
        var creation = new ProcessorCreationContext(info, options, minTokensToKeep, Tokenizer);
        var chain = _chainBuilder.Build(options, creation, sampling);
        var criteria = _stoppingFactories.Select(f => f.Create(options, creation)).OfType<IStoppingCriterion>().ToArray();
        var run = new PreparedRun(_model, Tokenizer, strategy, options, prompt, resolved, chain, criteria);
        checkPrompt?.Invoke(run);
        return run;
    }

    /// <summary>Adds the texts (and, for strategies that report no tokens, the per-row cut) to a strategy's result.</summary>
    internal GenerationResult Complete(PreparedRun run, GenerationResult result, RowProgressObserver progress)
    {
        var texts = new string[result.Sequences.Count];
        for (int r = 0; r < texts.Length; r++)
        {
            var generated = OwnGenerated(run, result, r, progress);
            texts[r] = GeneratedText.Compose(Tokenizer, generated, result.FinishReasons[r], run.Options.StopStrings);
        }

        return result with
        {
            Texts = texts,
            Processors = result.Processors.Count > 0 ? result.Processors : run.Chain.Names,
        };
    }

    private static ReadOnlySpan<int> OwnGenerated(PreparedRun run, GenerationResult result, int row, RowProgressObserver progress)
    {
        var sequence = result.Sequences[row].AsSpan(result.PromptLength);
        int count = progress.Reported ? Math.Min(progress.TokensOf(row), sequence.Length) : GeneratedText.OwnTokens(sequence, run.Resolved.EosTokenIds);
        return sequence[..count];
    }

    private static void Replay(PreparedRun run, GenerationResult result, IGenerationObserver observer)
    {
        for (int r = 0; r < result.Sequences.Count; r++)
        {
            var sequence = result.Sequences[r].AsSpan(result.PromptLength);
            int count = GeneratedText.OwnTokens(sequence, run.Resolved.EosTokenIds);
            for (int t = 0; t < count; t++)
            {
                observer.OnToken(r, t, sequence[t], result.TransitionScores[r][t], result.TokenLogprobs[r][t], result.Alternatives?[r][t]);
            }

            observer.OnFinished(r, result.FinishReasons[r]);
        }
    }

    private static bool IsBuiltIn(string name) => name is SearchStrategyNames.Greedy or SearchStrategyNames.Sample or SearchStrategyNames.Beam
        or SearchStrategyNames.BeamSample or SearchStrategyNames.GroupBeam or SearchStrategyNames.Contrastive;
}
