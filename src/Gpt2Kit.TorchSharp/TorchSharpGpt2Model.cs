using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.SafeTensors;
using Gpt2Kit.Models;
using TorchSharp;

namespace Gpt2Kit.TorchSharp;

/// <summary>A GPT-2 checkpoint (Hugging Face layout) on libtorch through TorchSharp, on the CPU or a CUDA device, in
/// fp32, bf16 or f16. In fp32 it gives Hugging Face's logits within the fixtures' 1e-4 and the same generated ids.</summary>
/// <remarks>Thread-safe: the weights are read-only and any number of sessions may run at once, each on its own thread.
/// libtorch's intra-op thread count is process-wide (<see cref="ModelLoadOptions.Threads"/> sets it).
/// Disposing the model while sessions run is not allowed.</remarks>
public sealed class TorchSharpGpt2Model : ICausalLanguageModel
{
    private readonly TorchGpt2Weights _weights;
    private int _disposed;

    private TorchSharpGpt2Model(string name, Gpt2Config config, TorchGpt2Weights weights, torch.Device device, TorchDType dtype)
    {
        Config = config;
        _weights = weights;
        Device = device;
        DType = dtype;
        Info = config.ToModelInfo(name);
    }

    /// <inheritdoc/>
    public ModelInfo Info { get; }

    /// <summary>The checkpoint's configuration.</summary>
    public Gpt2Config Config { get; }

    /// <summary>The device the weights and caches live on (<c>cpu</c>, <c>cuda:0</c>, …).</summary>
    public torch.Device Device { get; }

    /// <summary>The compute precision.</summary>
    public TorchDType DType { get; }

    /// <summary>libtorch's intra-op threads (process-wide).</summary>
    public int Threads => torch.get_num_threads();

    /// <summary>Number of parameters (a tied output layer counted once).</summary>
    public long ParameterCount => Config.ParameterCount + (Config.TieWordEmbeddings ? 0 : (long)Config.VocabSize * Config.HiddenSize);

    /// <summary>The dtypes the checkpoint stored its weights in.</summary>
    public IReadOnlyList<SafeTensorsDType> StoredDTypes => [.. _weights.StoredDTypes.Order()];

    /// <summary>Bytes the weights take on <see cref="Device"/>.</summary>
    public long WeightBytes => _weights.DeviceBytes;

    internal TorchGpt2Weights Weights => _weights;

    /// <summary>Loads the checkpoint in <paramref name="folder"/> onto the device and dtype of <paramref name="options"/>.</summary>
    /// <param name="folder">The checkpoint folder (<c>config.json</c>, <c>model.safetensors</c> or a sharded index).</param>
    /// <param name="options">Device and dtype; null for <c>auto</c> and fp32.</param>
    /// <param name="loadOptions">Threads (process-wide for libtorch) and progress; <see cref="ModelLoadOptions.Device"/> and
    /// <see cref="ModelLoadOptions.DType"/>, when set, override <paramref name="options"/>.</param>
    /// <exception cref="ModelLoadException">A file is missing or malformed, libtorch cannot be loaded, or the device is not available;
    /// the message names the file, tensor, or what to install.</exception>
    public static TorchSharpGpt2Model FromPretrained(string folder, TorchSharpOptions? options = null, ModelLoadOptions? loadOptions = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var settings = (options ?? new TorchSharpOptions()).With(loadOptions);
        if (loadOptions?.Threads is { } threads)
        {
            if (threads < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(loadOptions), threads, "ModelLoadOptions.Threads must be at least 1.");
            }
        }

        loadOptions?.Progress?.Report((0, "reading config.json"));
        var config = Gpt2Config.Load(folder);
        var device = TorchRuntime.ResolveDevice(settings.Device);
        if (loadOptions?.Threads is { } count)
        {
            torch.set_num_threads(count);
        }

        var weights = TorchGpt2Weights.Load(folder, config, device, TorchRuntime.ScalarType(settings.DType), loadOptions?.Progress);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        return new TorchSharpGpt2Model(name, config, weights, device, settings.DType);
    }

    /// <summary>Bytes a session of this shape keeps on the device: its KV cache.</summary>
    public long SessionBytes(int rows, int capacity) =>
        2L * Config.LayerCount * rows * capacity * Config.HiddenSize * (DType == TorchDType.F32 ? 4L : 2L);

    /// <inheritdoc/>
    public IModelSession CreateSession(int rows, int capacity)
    {
        ThrowIfDisposed();
        ForwardArguments.ValidateSession(rows, capacity, Config.ContextLength);

        return new TorchSharpSession(this, rows, capacity);
    }

    /// <summary>Frees the weights on the device.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _weights.Dispose();
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
