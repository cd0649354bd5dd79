using Gpt2Kit.Models;
using Gpt2Kit.Server.Batching;
using Gpt2Kit.Server.Plugins;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.Logging;

namespace Gpt2Kit.Server.Hosting;

/// <summary>The model as the server serves it: its name, the batching decorator, and the plugin catalog whose current
/// generation holds the generator requests use.</summary>
/// <remarks>Thread-safe. Disposing stops the batching scheduler and unloads the plugins; the DI container owns the model.</remarks>
internal sealed class ServedModel : IDisposable
{
    private readonly BatchingLanguageModel? _batching;

    public ServedModel(ICausalLanguageModel model, ITokenizer tokenizer, Gpt2KitServerOptions options, ServerMetrics metrics, ILogger logger)
    {
        _batching = options.ContinuousBatching ? new BatchingLanguageModel(model, options.MaxBatchRows, metrics.BatchRows) : null;
        Plugins = new PluginCatalog(_batching ?? model, tokenizer, [.. options.PluginFolders], options.WatchPlugins, logger);
        Name = options.ModelName ?? model.Info.Name;
        Info = model.Info;
        Tokenizer = tokenizer;
        Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    public string Name { get; }

    public ModelInfo Info { get; }

    public ITokenizer Tokenizer { get; }

    public PluginCatalog Plugins { get; }

    public long Created { get; }

    /// <summary>Batched decoding steps so far (0 without batching).</summary>
    public long BatchedSteps => _batching?.Steps ?? 0;

    /// <summary>The most rows one batched step has computed so far.</summary>
    public int LargestBatchRows => _batching?.LargestBatchRows ?? 0;

    public void Dispose()
    {
        Plugins.Dispose();
        _batching?.Dispose();
    }
}
