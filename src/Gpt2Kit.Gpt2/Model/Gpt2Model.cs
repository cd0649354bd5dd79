using Gpt2Kit.Gpt2.Model;
using Gpt2Kit.Gpt2.SafeTensors;
using Gpt2Kit.Gpt2.Threading;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2;

/// <summary>A GPT-2 checkpoint (Hugging Face layout: <c>config.json</c> and safetensors) on the managed CPU backend,
/// computing in fp32 exactly as <c>GPT2LMHeadModel</c> does with eager attention.</summary>
/// <remarks>Thread-safe: the weights are read-only and any number of sessions may run at once, each on its own thread.
/// Disposing the model while sessions run is not allowed.</remarks>
public sealed class Gpt2Model : ICausalLanguageModel
{
    private readonly Gpt2Weights _weights;
    private readonly WorkerTeamPool _teams;
    private readonly NativeBufferPool _caches = new();
    private readonly NativeBufferPool _scratch = new();
    private int _disposed;

    private Gpt2Model(string name, Gpt2Config config, Gpt2Weights weights, int threads)
    {
        Config = config;
        _weights = weights;
        Threads = threads;
        _teams = new WorkerTeamPool(threads);
        Info = config.ToModelInfo(name);
    }

    /// <inheritdoc/>
    public ModelInfo Info { get; }

    /// <summary>The checkpoint's configuration.</summary>
    public Gpt2Config Config { get; }

    /// <summary>Threads each forward pass uses (the calling thread included).</summary>
    public int Threads { get; }

    /// <summary>Number of parameters (a tied output layer counted once).</summary>
    public long ParameterCount => _weights.ParameterCount;

    /// <summary>The dtypes the weights were stored in (<c>F32</c>, <c>F16</c>, <c>BF16</c>); computation is always fp32.</summary>
    public IReadOnlyList<SafeTensorsDType> StoredDTypes => [.. _weights.StoredDTypes.Order()];

    /// <summary>Bytes of the memory-mapped checkpoint files; fp32 weights are used from the mapping without a copy.</summary>
    public long MappedBytes => _weights.MappedBytes;

    /// <summary>Bytes of native memory holding weights widened from F16/BF16 to fp32.</summary>
    public long WidenedBytes => _weights.WidenedBytes;

    /// <summary>Loads the checkpoint in <paramref name="folder"/>: <c>config.json</c> (and <c>generation_config.json</c>), and
    /// <c>model.safetensors</c> or the shards of <c>model.safetensors.index.json</c>.</summary>
    /// <param name="folder">The checkpoint folder.</param>
    /// <param name="options">Threads and progress; null for every core and no progress.</param>
    /// <exception cref="ModelLoadException">A file is missing or malformed; the message names the file, tensor or key.</exception>
    public static Gpt2Model FromPretrained(string folder, ModelLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        int threads = options?.Threads ?? Environment.ProcessorCount;
        if (threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), threads, "ModelLoadOptions.Threads must be at least 1.");
        }

        options?.Progress?.Report((0, "reading config.json"));
        var config = Gpt2Config.Load(folder);
        var weights = Gpt2Weights.Load(folder, config, options?.Progress);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        return new Gpt2Model(name, config, weights, threads);
    }

    /// <summary>Bytes a session of this shape allocates: its KV cache and scratch.</summary>
    public long SessionBytes(int rows, int capacity) =>
        KeyValueCache.ByteSize(rows, capacity, Config.LayerCount, Config.HiddenSize)
        + (Gpt2Session.ScratchFloats(Config, rows, capacity, Threads) * sizeof(float));

    /// <inheritdoc/>
    public IModelSession CreateSession(int rows, int capacity)
    {
        ThrowIfDisposed();
        ForwardArguments.ValidateSession(rows, capacity, Config.ContextLength);

        var team = _teams.Rent();
        try
        {
            return new Gpt2Session(this, _weights, team, _caches, _scratch, rows, capacity);
        }
        catch
        {
            _teams.Return(team);
            throw;
        }
    }

    /// <summary>Unmaps the checkpoint and frees pooled memory and threads.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _teams.Dispose();
        _caches.Dispose();
        _scratch.Dispose();
        _weights.Dispose();
    }

    internal void ReturnTeam(WorkerTeam team) => _teams.Return(team);

    /// <summary>Throws when the model (and so the weights a session reads) has been disposed.</summary>
    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
