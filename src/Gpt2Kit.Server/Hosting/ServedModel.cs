using Gpt2Kit.Decoding;
using Gpt2Kit.Models;
using Gpt2Kit.Plugins;
using Gpt2Kit.Server.Batching;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Server.Hosting;

/// <summary>The model as the server serves it: its name, a <see cref="TextGenerator"/> over the batching decorator, the
/// plugins' load report.</summary>
/// <remarks>Thread-safe (the generator is). Disposing stops the batching scheduler; the DI container owns the model.</remarks>
internal sealed class ServedModel : IDisposable
{
    private readonly BatchingLanguageModel? _batching;

    public ServedModel(ICausalLanguageModel model, ITokenizer tokenizer, IEnumerable<ISearchStrategy> strategies,
        IEnumerable<ILogitsProcessorFactory> processors, IEnumerable<IStoppingCriterionFactory> stopping,
        Gpt2KitServerOptions options, ServerMetrics metrics, PluginLoadReport? plugins = null)
    {
        _batching = options.ContinuousBatching ? new BatchingLanguageModel(model, options.MaxBatchRows, metrics.BatchRows) : null;
        Generator = new TextGenerator(_batching ?? model, tokenizer, strategies, processors, stopping);
        Name = options.ModelName ?? model.Info.Name;
        Plugins = plugins ?? new PluginLoadReport();
        Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    public string Name { get; }

    public TextGenerator Generator { get; }

    public PluginLoadReport Plugins { get; }

    public long Created { get; }

    /// <summary>Batched decoding steps so far (0 without batching).</summary>
    public long BatchedSteps => _batching?.Steps ?? 0;

    /// <summary>The most rows one batched step has computed so far.</summary>
    public int LargestBatchRows => _batching?.LargestBatchRows ?? 0;

    public void Dispose() => _batching?.Dispose();
}
