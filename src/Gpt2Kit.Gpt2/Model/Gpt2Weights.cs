using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.SafeTensors;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>Pointers to the weights of one transformer block (Conv1D weights in their <c>[in, out]</c> layout).</summary>
internal readonly unsafe struct Gpt2LayerWeights
{
    public float* Norm1Weight { get; init; }

    public float* Norm1Bias { get; init; }

    public float* AttentionWeight { get; init; }

    public float* AttentionBias { get; init; }

    public float* AttentionProjectionWeight { get; init; }

    public float* AttentionProjectionBias { get; init; }

    public float* Norm2Weight { get; init; }

    public float* Norm2Bias { get; init; }

    public float* MlpWeight { get; init; }

    public float* MlpBias { get; init; }

    public float* MlpProjectionWeight { get; init; }

    public float* MlpProjectionBias { get; init; }
}

/// <summary>The weights of a GPT-2 checkpoint as fp32 pointers: F32 tensors point into the memory-mapped files (no
/// copy), F16/BF16 tensors are widened once into native memory. Names, shapes and the tied output layer are
/// <see cref="Gpt2TensorDirectory"/>'s rules.</summary>
/// <remarks>Read-only after <see cref="Load"/>; thread-safe. Disposing invalidates every pointer.</remarks>
internal sealed unsafe class Gpt2Weights : IDisposable
{
    private const long PageSize = 4096;

    private readonly Gpt2TensorDirectory _tensors;
    private readonly SafeTensorsCheckpoint _checkpoint;
    private readonly List<NativeBuffer> _widened = [];
    private readonly HashSet<SafeTensorsDType> _dtypes = [];
    private readonly Gpt2Config _config;

    private Gpt2Weights(Gpt2TensorDirectory tensors, Gpt2Config config)
    {
        _tensors = tensors;
        _checkpoint = tensors.Checkpoint;
        _config = config;
    }

    public float* TokenEmbedding { get; private set; }

    public float* PositionEmbedding { get; private set; }

    public float* FinalNormWeight { get; private set; }

    public float* FinalNormBias { get; private set; }

    /// <summary>The output layer <c>[vocab, hidden]</c>: <c>wte</c> when tied, else <c>lm_head.weight</c>.</summary>
    public float* OutputWeight { get; private set; }

    public Gpt2LayerWeights[] Layers { get; private set; } = [];

    /// <summary>The dtypes the used tensors were stored in.</summary>
    public IReadOnlyCollection<SafeTensorsDType> StoredDTypes => _dtypes;

    /// <summary>Bytes of the checkpoint files, mapped (the page cache holds them; fp32 weights are used from there).</summary>
    public long MappedBytes => _checkpoint.Files.Sum(f => f.Length);

    /// <summary>Bytes of native memory holding weights widened from F16/BF16.</summary>
    public long WidenedBytes => _widened.Sum(b => b.Length) * sizeof(float);

    /// <summary>The number of parameters in the used tensors (a tied output layer counted once).</summary>
    public long ParameterCount { get; private set; }

    /// <summary>Maps and validates the tensors of <paramref name="folder"/> against <paramref name="config"/>.</summary>
    /// <exception cref="ModelLoadException">A tensor is missing, has the wrong shape or an unsupported dtype, or a file is malformed.</exception>
    public static Gpt2Weights Load(string folder, Gpt2Config config, IProgress<(double Fraction, string Step)>? progress)
    {
        var weights = new Gpt2Weights(Gpt2TensorDirectory.Open(folder, config), config);
        try
        {
            weights.Resolve(progress);
            return weights;
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>Unmaps the files and frees the widened weights.</summary>
    public void Dispose()
    {
        foreach (var buffer in _widened)
        {
            buffer.Dispose();
        }

        _widened.Clear();
        _tensors.Dispose();
    }

    private void Resolve(IProgress<(double Fraction, string Step)>? progress)
    {
        int d = _config.HiddenSize, inner = _config.InnerSize, layers = _config.LayerCount;
        long totalBytes = Math.Max(1, Gpt2TensorDirectory.Layout(_config).Sum(t => _tensors.ByteSize(t.Name)));
        long doneBytes = 0;
        float* Get(string name, params long[] shape)
        {
            var pointer = Tensor(name, shape);
            doneBytes += _tensors.ByteSize(name);
            progress?.Report((0.9 * doneBytes / totalBytes, $"tensor {name}"));
            return pointer;
        }

        TokenEmbedding = Get("wte.weight", _config.VocabSize, d);
        PositionEmbedding = Get("wpe.weight", _config.ContextLength, d);
        var layerWeights = new Gpt2LayerWeights[layers];
        for (int i = 0; i < layers; i++)
        {
            string p = $"h.{i}.";
            layerWeights[i] = new Gpt2LayerWeights
            {
                Norm1Weight = Get(p + "ln_1.weight", d),
                Norm1Bias = Get(p + "ln_1.bias", d),
                AttentionWeight = Get(p + "attn.c_attn.weight", d, 3L * d),
                AttentionBias = Get(p + "attn.c_attn.bias", 3L * d),
                AttentionProjectionWeight = Get(p + "attn.c_proj.weight", d, d),
                AttentionProjectionBias = Get(p + "attn.c_proj.bias", d),
                Norm2Weight = Get(p + "ln_2.weight", d),
                Norm2Bias = Get(p + "ln_2.bias", d),
                MlpWeight = Get(p + "mlp.c_fc.weight", d, inner),
                MlpBias = Get(p + "mlp.c_fc.bias", inner),
                MlpProjectionWeight = Get(p + "mlp.c_proj.weight", inner, d),
                MlpProjectionBias = Get(p + "mlp.c_proj.bias", d),
            };
        }

        Layers = layerWeights;
        FinalNormWeight = Get("ln_f.weight", d);
        FinalNormBias = Get("ln_f.bias", d);
        OutputWeight = _config.TieWordEmbeddings ? TokenEmbedding : Get("lm_head.weight", _config.VocabSize, d);
        ParameterCount = _config.ParameterCount + (_config.TieWordEmbeddings ? 0 : (long)_config.VocabSize * d);

        progress?.Report((0.9, "reading the mapped weights into memory"));
        TouchMappedPages();
        progress?.Report((1.0, "loaded"));
    }

    private float* Tensor(string name, long[] shape)
    {
        var (file, info, dtype) = _tensors.Find(name, shape);
        _dtypes.Add(dtype);
        byte* data = file.DataPointer(info);
        if (dtype == SafeTensorsDType.F32)
        {
            return (float*)data;
        }

        long count = info.ElementCount;
        var buffer = new NativeBuffer(count);
        _widened.Add(buffer);
        const int Chunk = 1 << 24;
        Parallel.For(0, (int)((count + Chunk - 1) / Chunk), chunk =>
        {
            long start = (long)chunk * Chunk;
            int length = (int)Math.Min(Chunk, count - start);
            var source = new ReadOnlySpan<byte>(data + (start * 2), length * 2);
            var destination = new Span<float>(buffer.Pointer + start, length);
            if (dtype == SafeTensorsDType.F16)
            {
                HalfToSingle.Convert(source, destination);
            }
            else
            {
                BFloat16ToSingle.Convert(source, destination);
            }
        });
        return buffer.Pointer;
    }

    // Reads one byte per page of the mapped files so the first forward pass does not take the page faults.
    private void TouchMappedPages()
    {
        foreach (var file in _checkpoint.Files)
        {
            var first = file.Tensors.Values.FirstOrDefault();
            if (first is null)
            {
                continue;
            }

            byte* start = file.DataPointer(first) - first.Begin;
            long length = file.Tensors.Values.Max(t => t.End);
            long pages = (length + PageSize - 1) / PageSize;
            long sum = 0;
            Parallel.For(0, Math.Max(1, Environment.ProcessorCount), () => 0L, (worker, _, local) =>
            {
                long begin = pages * worker / Environment.ProcessorCount, end = pages * (worker + 1) / Environment.ProcessorCount;
                for (long page = begin; page < end; page++)
                {
                    local += start[page * PageSize];
                }

                return local;
            }, local => Interlocked.Add(ref sum, local));
            GC.KeepAlive(sum);
        }
    }

}
