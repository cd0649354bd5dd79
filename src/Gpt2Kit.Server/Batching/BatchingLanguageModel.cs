using Gpt2Kit.Models;

namespace Gpt2Kit.Server.Batching;

/// <summary>Continuous batching as a model decorator: every request still runs its own decoding loop (its processor chain,
/// seed, stop strings, finish reason) on its own thread, but the one-token decoding steps of all running requests are
/// gathered by one scheduler and computed together with <see cref="IBatchDecodingModel.DecodeBatch"/>. A request joins
/// the batch at its first decoding step (its prompt is prefilled on its own thread, alongside the running steps) and
/// leaves when its session is disposed, which returns its KV cache to the model's pool.</summary>
/// <remarks>Thread-safe. Because the backend gives every row the same logits in any batch, a request's tokens are the same
/// as when it runs alone. A model without <see cref="IBatchDecodingModel"/> is used as it is (no batching). Disposing stops
/// the scheduler; it does not dispose the inner model.</remarks>
public sealed class BatchingLanguageModel : ICausalLanguageModel
{
    private readonly ICausalLanguageModel _inner;
    private readonly DecodeScheduler? _scheduler;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The model; not owned.</param>
    /// <param name="maxBatchRows">The most rows one batched step computes; more wait for the next step.</param>
    /// <param name="onStep">Called after every batched step with the number of rows it computed (metrics); may be null.</param>
    public BatchingLanguageModel(ICausalLanguageModel inner, int maxBatchRows = 64, Action<int>? onStep = null)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchRows, 1);
        if (inner is IBatchDecodingModel batching)
        {
            _scheduler = new DecodeScheduler(batching, inner.Info.VocabSize, maxBatchRows, onStep);
        }
    }

    /// <inheritdoc/>
    public ModelInfo Info => _inner.Info;

    /// <summary>Whether decoding steps are batched (the inner model supports it).</summary>
    public bool Batches => _scheduler is not null;

    /// <summary>Batched steps run so far.</summary>
    public long Steps => _scheduler?.Steps ?? 0;

    /// <summary>The most rows one batched step has computed so far.</summary>
    public int LargestBatchRows => _scheduler?.LargestBatchRows ?? 0;

    /// <inheritdoc/>
    public IModelSession CreateSession(int rows, int capacity)
    {
        var session = _inner.CreateSession(rows, capacity);
        return _scheduler is null ? session : new BatchedSession(session, _scheduler);
    }

    /// <inheritdoc/>
    public void Dispose() => _scheduler?.Dispose();
}
