using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Gpt2Kit.TorchSharp;

/// <summary>The tensors of one transformer block on the device (Conv1D weights kept in their <c>[in, out]</c> layout, so
/// a projection is one <c>addmm</c>).</summary>
internal sealed record TorchLayerWeights(
    Tensor Norm1Weight, Tensor Norm1Bias, Tensor AttentionWeight, Tensor AttentionBias, Tensor AttentionProjectionWeight,
    Tensor AttentionProjectionBias, Tensor Norm2Weight, Tensor Norm2Bias, Tensor MlpWeight, Tensor MlpBias,
    Tensor MlpProjectionWeight, Tensor MlpProjectionBias);

/// <summary>A GPT-2 checkpoint's weights as libtorch tensors on one device in one dtype, read through
/// <see cref="Gpt2TensorDirectory"/> (the same names, shapes and checks as the managed backend).</summary>
/// <remarks>Read-only after <see cref="Load"/>; thread-safe (libtorch reads a tensor from many threads). Disposing frees every tensor.</remarks>
internal sealed class TorchGpt2Weights : IDisposable
{
    private readonly List<Tensor> _owned = [];

    private TorchGpt2Weights()
    {
    }

    public Tensor TokenEmbedding { get; private set; } = null!;

    public Tensor PositionEmbedding { get; private set; } = null!;

    public Tensor FinalNormWeight { get; private set; } = null!;

    public Tensor FinalNormBias { get; private set; } = null!;

    /// <summary><c>[vocab, hidden]</c>: <c>wte</c> when tied, else <c>lm_head.weight</c>.</summary>
    public Tensor OutputWeight { get; private set; } = null!;

    public TorchLayerWeights[] Layers { get; private set; } = [];

    /// <summary>The dtypes the checkpoint stored its tensors in.</summary>
    public IReadOnlyCollection<SafeTensorsDType> StoredDTypes { get; private set; } = [];

    /// <summary>Bytes the weights take on the device.</summary>
    public long DeviceBytes => _owned.Sum(t => t.NumberOfElements * t.ElementSize);

    /// <summary>Reads every tensor of the checkpoint in <paramref name="folder"/> and moves it to <paramref name="device"/> as <paramref name="dtype"/>.</summary>
    /// <exception cref="Models.ModelLoadException">A file, tensor or shape is wrong; the message names it.</exception>
    public static TorchGpt2Weights Load(string folder, Gpt2Config config, Device device, ScalarType dtype, IProgress<(double Fraction, string Step)>? progress)
    {
        using var directory = Gpt2TensorDirectory.Open(folder, config);
        var weights = new TorchGpt2Weights();
        try
        {
            weights.Read(directory, config, device, dtype, progress);
            return weights;
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var tensor in _owned)
        {
            tensor.Dispose();
        }

        _owned.Clear();
    }

    private unsafe void Read(Gpt2TensorDirectory directory, Gpt2Config config, Device device, ScalarType dtype,
        IProgress<(double Fraction, string Step)>? progress)
    {
        var layout = Gpt2TensorDirectory.Layout(config).ToList();
        long total = Math.Max(1, layout.Sum(t => directory.ByteSize(t.Name)));
        long done = 0;
        var stored = new HashSet<SafeTensorsDType>();
        var byName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, shape) in layout)
        {
            var (file, info, storedType) = directory.Find(name, shape);
            if (storedType == SafeTensorsDType.I8)
            {
                throw new Models.ModelLoadException(
                    $"{file.Path}: tensor '{info.Name}' is I8, from a Gpt2Kit q8 checkpoint; the torchsharp backend reads F32, F16 and BF16 tensors. Use the gpt2 backend, or convert the folder with `gpt2kit convert --dtype f32`.");
            }

            stored.Add(storedType);
            long bytes = info.End - info.Begin;
            var host = empty(shape, StoredScalarType(storedType), CPU);
            host.bytes = new Span<byte>(file.DataPointer(info), checked((int)bytes));
            var tensor = host.to(dtype, device);
            if (!ReferenceEquals(tensor, host))
            {
                host.Dispose();
            }

            _owned.Add(tensor);
            byName[name] = tensor;
            done += bytes;
            progress?.Report((0.95 * done / total, $"tensor {name}"));
        }

        TokenEmbedding = byName["wte.weight"];
        PositionEmbedding = byName["wpe.weight"];
        FinalNormWeight = byName["ln_f.weight"];
        FinalNormBias = byName["ln_f.bias"];
        OutputWeight = config.TieWordEmbeddings ? TokenEmbedding : byName["lm_head.weight"];
        Layers = Enumerable.Range(0, config.LayerCount).Select(i =>
        {
            Tensor T(string suffix) => byName[$"h.{i}.{suffix}"];
            return new TorchLayerWeights(
                T("ln_1.weight"), T("ln_1.bias"), T("attn.c_attn.weight"), T("attn.c_attn.bias"), T("attn.c_proj.weight"), T("attn.c_proj.bias"),
                T("ln_2.weight"), T("ln_2.bias"), T("mlp.c_fc.weight"), T("mlp.c_fc.bias"), T("mlp.c_proj.weight"), T("mlp.c_proj.bias"));
        }).ToArray();
        StoredDTypes = stored;
        progress?.Report((1.0, "loaded"));
    }

    private static ScalarType StoredScalarType(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F32 => ScalarType.Float32,
        SafeTensorsDType.F16 => ScalarType.Float16,
        SafeTensorsDType.BF16 => ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };
}
