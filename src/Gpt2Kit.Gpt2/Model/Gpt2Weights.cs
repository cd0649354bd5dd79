using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.SafeTensors;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>The weights of one transformer block (Conv1D weights in their <c>[in, out]</c> layout).</summary>
internal readonly unsafe struct Gpt2LayerWeights
{
    public float* Norm1Weight { get; init; }

    public float* Norm1Bias { get; init; }

    public WeightMatrix AttentionWeight { get; init; }

    public float* AttentionBias { get; init; }

    public WeightMatrix AttentionProjectionWeight { get; init; }

    public float* AttentionProjectionBias { get; init; }

    public float* Norm2Weight { get; init; }

    public float* Norm2Bias { get; init; }

    public WeightMatrix MlpWeight { get; init; }

    public float* MlpBias { get; init; }

    public WeightMatrix MlpProjectionWeight { get; init; }

    public float* MlpProjectionBias { get; init; }
}

/// <summary>The weights of a GPT-2 checkpoint. Every matrix is computed in one <see cref="WeightFormat"/>: the format it is
/// stored in unless another is asked for. A matrix already in that format is used in place from the memory-mapped file
/// (fp32, f16 and bf16 tensors, and the int8 data and scales of a q8 checkpoint); otherwise it is converted once into
/// native memory (widened, narrowed or quantized). The 1-D tensors (biases, LayerNorm) are always copied as fp32; they
/// are a thousandth of the bytes. Files no matrix is used from are unmapped after loading.</summary>
/// <remarks>Names, shapes and the tied output layer are <see cref="Gpt2TensorDirectory"/>'s rules. Read-only after
/// <see cref="Load"/>; thread-safe. Disposing invalidates every pointer.</remarks>
internal sealed unsafe class Gpt2Weights : IDisposable
{
    /// <summary>The key suffix of a q8 matrix's scales (<c>F32</c>, shape <c>[rows, columns / 32]</c>).</summary>
    public const string ScalesSuffix = ".q8_scales";

    private const long PageSize = 4096;

    private readonly Gpt2TensorDirectory _tensors;
    private readonly SafeTensorsCheckpoint _checkpoint;
    private readonly WeightFormat? _requested;
    private readonly List<NativeBuffer> _owned = [];
    private readonly HashSet<SafeTensorsDType> _dtypes = [];
    private readonly HashSet<SafeTensorsFile> _filesInUse = [];
    private readonly List<(string Name, WeightMatrix Matrix)> _matrices = [];
    private readonly List<(string Name, nint Pointer, int Length)> _vectors = [];
    private readonly Gpt2Config _config;

    private Gpt2Weights(Gpt2TensorDirectory tensors, Gpt2Config config, WeightFormat? requested)
    {
        _tensors = tensors;
        _checkpoint = tensors.Checkpoint;
        _config = config;
        _requested = requested;
    }

    public WeightMatrix TokenEmbedding { get; private set; }

    public WeightMatrix PositionEmbedding { get; private set; }

    public float* FinalNormWeight { get; private set; }

    public float* FinalNormBias { get; private set; }

    /// <summary>The output layer <c>[vocab, hidden]</c>: <c>wte</c> when tied, else <c>lm_head.weight</c>.</summary>
    public WeightMatrix OutputWeight { get; private set; }

    public Gpt2LayerWeights[] Layers { get; private set; } = [];

    /// <summary>The dtypes the used tensors were stored in.</summary>
    public IReadOnlyCollection<SafeTensorsDType> StoredDTypes => _dtypes;

    /// <summary>The formats the matrices are computed from.</summary>
    public IReadOnlyList<WeightFormat> Formats => [.. _matrices.Select(m => m.Matrix.Format).Distinct().Order()];

    /// <summary>Bytes of the checkpoint files still mapped (the page cache holds them; matrices in their stored format are used from there).</summary>
    public long MappedBytes => _filesInUse.Sum(f => f.Length);

    /// <summary>Bytes of native memory holding matrices converted from their stored format.</summary>
    public long ConvertedBytes { get; private set; }

    /// <summary>Bytes the weights take in memory as computed: every matrix in its format (scales included) and the fp32 vectors.</summary>
    public long WeightBytes => _matrices.Sum(m => m.Matrix.Bytes) + _vectors.Sum(v => (long)v.Length * sizeof(float));

    /// <summary>The number of parameters in the used tensors (a tied output layer counted once).</summary>
    public long ParameterCount { get; private set; }

    /// <summary>Maps and validates the tensors of <paramref name="folder"/> against <paramref name="config"/>, converting the
    /// matrices to <paramref name="requested"/> (null: each stays in the format it is stored in).</summary>
    /// <exception cref="ModelLoadException">A tensor is missing, has the wrong shape or an unsupported dtype, or a file is malformed.</exception>
    public static Gpt2Weights Load(string folder, Gpt2Config config, WeightFormat? requested, IProgress<(double Fraction, string Step)>? progress)
    {
        var weights = new Gpt2Weights(Gpt2TensorDirectory.Open(folder, config), config, requested);
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

    /// <summary>The tensors as held in memory, for <see cref="SafeTensorsWriter"/>: matrices in their format (q8 as <c>I8</c>
    /// data plus <c>F32</c> scales under <c>key</c> + <see cref="ScalesSuffix"/>), vectors as <c>F32</c>.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries()
    {
        var entries = new List<SafeTensorsEntry>();
        foreach (var (name, m) in _matrices)
        {
            string dtype = m.Format switch
            {
                WeightFormat.F32 => "F32",
                WeightFormat.F16 => "F16",
                WeightFormat.BF16 => "BF16",
                _ => "I8",
            };
            entries.Add(new SafeTensorsEntry(name, dtype, m.Interleaved ? InterleavedShape(m.Rows, m.Columns) : [m.Rows, m.Columns],
                stream => WriteBytes(stream, m.Data, m.DataBytes)));
            if (m.Format == WeightFormat.Q8)
            {
                entries.Add(new SafeTensorsEntry(name + ScalesSuffix, "F32", ScalesShape(m.Rows, m.Columns, m.Interleaved),
                    stream => WriteBytes(stream, (byte*)m.Scales, m.ScaleCount * sizeof(float))));
            }
        }

        foreach (var (name, pointer, length) in _vectors)
        {
            entries.Add(new SafeTensorsEntry(name, "F32", [length], stream => WriteBytes(stream, (byte*)pointer, (long)length * sizeof(float))));
        }

        return entries;
    }

    /// <summary>Unmaps the files and frees the converted weights.</summary>
    public void Dispose()
    {
        foreach (var buffer in _owned)
        {
            buffer.Dispose();
        }

        _owned.Clear();
        _tensors.Dispose();
    }

    // The shapes that say what a q8 matrix's bytes hold: row-major [rows, columns], or interleaved (Q8InterleavedWeights)
    // [groups of eight rows, blocks of 32 columns, 8, 32] with scales [groups, blocks, 8].
    private static long[] InterleavedShape(int rows, int columns) =>
        [rows / Q8InterleavedWeights.GroupRows, columns / Q8Weights.BlockSize, Q8InterleavedWeights.GroupRows, Q8Weights.BlockSize];

    private static long[] ScalesShape(int rows, int columns, bool interleaved) => interleaved
        ? [rows / Q8InterleavedWeights.GroupRows, columns / Q8Weights.BlockSize, Q8InterleavedWeights.GroupRows]
        : [rows, columns / Q8Weights.BlockSize];

    private static void WriteBytes(Stream stream, byte* data, long length)
    {
        for (long offset = 0; offset < length; offset += 1 << 30)
        {
            stream.Write(new ReadOnlySpan<byte>(data + offset, (int)Math.Min(1 << 30, length - offset)));
        }
    }

    private void Resolve(IProgress<(double Fraction, string Step)>? progress)
    {
        int d = _config.HiddenSize, inner = _config.InnerSize, layers = _config.LayerCount;
        long totalBytes = Math.Max(1, Gpt2TensorDirectory.Layout(_config).Sum(t => _tensors.ByteSize(t.Name)));
        long doneBytes = 0;
        void Done(string name)
        {
            doneBytes += _tensors.ByteSize(name);
            progress?.Report((0.9 * doneBytes / totalBytes, $"tensor {name}"));
        }

        WeightMatrix Matrix(string name, int rows, int columns, bool conv1D = false)
        {
            var matrix = LoadMatrix(name, rows, columns, conv1D);
            Done(name);
            return matrix;
        }

        // The 1-D tensors of the whole model go into one native block.
        var vectorNames = new List<(string Name, int Length)> { ("ln_f.weight", d), ("ln_f.bias", d) };
        for (int i = 0; i < layers; i++)
        {
            string p = $"h.{i}.";
            vectorNames.AddRange([(p + "ln_1.weight", d), (p + "ln_1.bias", d), (p + "attn.c_attn.bias", 3 * d), (p + "attn.c_proj.bias", d),
                (p + "ln_2.weight", d), (p + "ln_2.bias", d), (p + "mlp.c_fc.bias", inner), (p + "mlp.c_proj.bias", d)]);
        }

        var vectorBlock = Own(vectorNames.Sum(v => (long)(v.Length + 15) / 16 * 16));
        float* nextVector = vectorBlock.Pointer;
        var vectors = new Dictionary<string, nint>(StringComparer.Ordinal);
        foreach (var (name, length) in vectorNames)
        {
            LoadVector(name, length, nextVector);
            _vectors.Add((name, (nint)nextVector, length));
            vectors[name] = (nint)nextVector;
            nextVector += (length + 15) / 16 * 16;
            Done(name);
        }

        float* Vector(string name) => (float*)vectors[name];

        TokenEmbedding = Matrix("wte.weight", _config.VocabSize, d);
        PositionEmbedding = Matrix("wpe.weight", _config.ContextLength, d);
        var layerWeights = new Gpt2LayerWeights[layers];
        for (int i = 0; i < layers; i++)
        {
            string p = $"h.{i}.";
            layerWeights[i] = new Gpt2LayerWeights
            {
                Norm1Weight = Vector(p + "ln_1.weight"),
                Norm1Bias = Vector(p + "ln_1.bias"),
                AttentionWeight = Matrix(p + "attn.c_attn.weight", d, 3 * d, conv1D: true),
                AttentionBias = Vector(p + "attn.c_attn.bias"),
                AttentionProjectionWeight = Matrix(p + "attn.c_proj.weight", d, d, conv1D: true),
                AttentionProjectionBias = Vector(p + "attn.c_proj.bias"),
                Norm2Weight = Vector(p + "ln_2.weight"),
                Norm2Bias = Vector(p + "ln_2.bias"),
                MlpWeight = Matrix(p + "mlp.c_fc.weight", d, inner, conv1D: true),
                MlpBias = Vector(p + "mlp.c_fc.bias"),
                MlpProjectionWeight = Matrix(p + "mlp.c_proj.weight", inner, d, conv1D: true),
                MlpProjectionBias = Vector(p + "mlp.c_proj.bias"),
            };
        }

        Layers = layerWeights;
        FinalNormWeight = Vector("ln_f.weight");
        FinalNormBias = Vector("ln_f.bias");
        OutputWeight = _config.TieWordEmbeddings ? TokenEmbedding : Matrix("lm_head.weight", _config.VocabSize, d);
        ParameterCount = _config.ParameterCount + (_config.TieWordEmbeddings ? 0 : (long)_config.VocabSize * d);

        foreach (var file in _checkpoint.Files.Where(f => !_filesInUse.Contains(f)))
        {
            file.Dispose();
        }

        progress?.Report((0.9, "reading the mapped weights into memory"));
        TouchMappedPages();
        progress?.Report((1.0, "loaded"));
    }

    private (SafeTensorsFile File, SafeTensorInfo Info, SafeTensorsDType DType) Find(string name, long[] shape)
    {
        var (file, info, dtype) = _tensors.Find(name, shape);
        _dtypes.Add(dtype);
        return (file, info, dtype);
    }

    private void LoadVector(string name, int length, float* destination)
    {
        var (file, info, dtype) = Find(name, [length]);
        if (dtype == SafeTensorsDType.I8)
        {
            throw new ModelLoadException($"{file.Path}: tensor '{info.Name}' has dtype I8; only matrices may be q8.");
        }

        var source = new WeightMatrix { Format = Stored(dtype), Data = file.DataPointer(info), Rows = 1, Columns = length };
        WeightRows.Read(source.AsSpan(), 0, new Span<float>(destination, length));
    }

    // conv1D: a layer's weight, read by the Conv1D kernels (and so interleaved when q8 and its rows allow).
    private WeightMatrix LoadMatrix(string name, int rows, int columns, bool conv1D)
    {
        bool interleave = conv1D && rows % Q8InterleavedWeights.GroupRows == 0 && columns % Q8Weights.BlockSize == 0;
        bool storedInterleaved = interleave && _tensors.TryGet(name, out var entry) && entry.Info.DType == "I8"
            && entry.Info.Shape.SequenceEqual(InterleavedShape(rows, columns));
        var (file, info, dtype) = Find(name, storedInterleaved ? InterleavedShape(rows, columns) : [rows, columns]);
        var stored = new WeightMatrix { Format = Stored(dtype), Data = file.DataPointer(info), Rows = rows, Columns = columns, Interleaved = storedInterleaved };
        if (dtype == SafeTensorsDType.I8)
        {
            stored = stored with { Scales = Scales(name, file, info, rows, columns, storedInterleaved) };
        }

        var target = _requested ?? stored.Format;
        if (target == WeightFormat.Q8 && columns % Q8Weights.BlockSize != 0)
        {
            // q8 blocks never cross a row; such a matrix keeps its own format (or fp32 if it is q8 already).
            target = stored.Format == WeightFormat.Q8 ? WeightFormat.F32 : stored.Format;
        }

        var matrix = target == stored.Format ? stored : Convert(stored, target);
        if (interleave && matrix.Format == WeightFormat.Q8 && matrix.Data != stored.Data)
        {
            matrix = InterleaveInPlace(matrix);
        }
        if (matrix.Format == WeightFormat.F16 && HalfWeights.HasNonFinite(new ReadOnlySpan<ushort>(matrix.Data, checked((int)(matrix.DataBytes / 2)))))
        {
            // The kernels widen f16 exactly for finite values only (HalfWeights): a matrix holding an infinity or a NaN,
            // or one that overflowed f16's range when converted, is computed in fp32 from its source instead.
            if (matrix.Data != stored.Data)
            {
                Disown(matrix);
            }

            matrix = stored.Format == WeightFormat.F32 ? stored : Convert(stored, WeightFormat.F32);
        }

        if (matrix.Data == stored.Data)
        {
            _filesInUse.Add(file);
        }

        _matrices.Add((name, matrix));
        return matrix;
    }

    private float* Scales(string name, SafeTensorsFile file, SafeTensorInfo info, int rows, int columns, bool interleaved)
    {
        if (columns % Q8Weights.BlockSize != 0)
        {
            throw new ModelLoadException($"{file.Path}: tensor '{info.Name}' is I8 (q8) with {columns} columns; q8 rows are a multiple of {Q8Weights.BlockSize}.");
        }

        string key = name + ScalesSuffix;
        if (!_tensors.TryGet(key, out var entry))
        {
            throw new ModelLoadException($"{file.Path}: tensor '{info.Name}' is I8 (q8) but its scales '{info.Name}{ScalesSuffix}' are missing.");
        }

        long[] shape = ScalesShape(rows, columns, interleaved);
        if (entry.Info.DType != "F32" || !entry.Info.Shape.SequenceEqual(shape))
        {
            throw new ModelLoadException(
                $"{entry.File.Path}: tensor '{entry.Info.Name}' is {entry.Info.DType} {entry.Info.ShapeText}; q8 scales are F32 [{string.Join(", ", shape)}].");
        }

        _filesInUse.Add(entry.File);
        return (float*)entry.File.DataPointer(entry.Info);
    }

    // Widens each row of the stored matrix and encodes it in the target format, rows spread over the cores.
    private WeightMatrix Convert(WeightMatrix stored, WeightFormat target)
    {
        var result = stored with { Format = target, Scales = null, Interleaved = false };
        var buffer = Own((result.Bytes + 3) / 4);
        result = result with { Data = (byte*)buffer.Pointer, Scales = target == WeightFormat.Q8 ? (float*)((byte*)buffer.Pointer + result.DataBytes) : null };
        ConvertedBytes += result.Bytes;
        int columns = stored.Columns;
        long rowBytes = (long)columns * WeightFormats.ElementSize(target);
        int scalesPerRow = target == WeightFormat.Q8 ? columns / Q8Weights.BlockSize : 0;
        Parallel.For(0, stored.Rows, () => new float[columns], (row, _, scratch) =>
        {
            WeightRows.Read(stored.AsSpan(), row, scratch);
            WeightEncoding.Encode(scratch, target, new Span<byte>(result.Data + (row * rowBytes), (int)rowBytes),
                target == WeightFormat.Q8 ? new Span<float>(result.Scales + ((long)row * scalesPerRow), scalesPerRow) : default);
            return scratch;
        }, _ => { });
        return result;
    }

    // Reorders a converted row-major q8 matrix into interleaved groups of eight rows (Q8InterleavedWeights). Each group
    // keeps the same bytes of the buffer in either order, so it goes through a group-sized scratch copy in place.
    private static WeightMatrix InterleaveInPlace(WeightMatrix matrix)
    {
        const int group = Q8InterleavedWeights.GroupRows;
        int columns = matrix.Columns, groupElements = group * columns, groupScales = groupElements / Q8Weights.BlockSize;
        Parallel.For(0, matrix.Rows / group, () => (Data: new byte[groupElements], Scales: new float[groupScales]), (g, _, scratch) =>
        {
            long offset = (long)g * groupElements;
            var data = new Span<byte>(matrix.Data + offset, groupElements);
            var scales = new Span<float>(matrix.Scales + (offset / Q8Weights.BlockSize), groupScales);
            data.CopyTo(scratch.Data);
            scales.CopyTo(scratch.Scales);
            Q8InterleavedWeights.Interleave(scratch.Data, scratch.Scales, data, scales, columns, 0, group);
            return scratch;
        }, _ => { });
        return matrix with { Interleaved = true };
    }

    // Frees the buffer of the matrix Convert made last.
    private void Disown(WeightMatrix converted)
    {
        var buffer = _owned[^1];
        _owned.RemoveAt(_owned.Count - 1);
        ConvertedBytes -= converted.Bytes;
        buffer.Dispose();
    }

    private NativeBuffer Own(long floats)
    {
        var buffer = new NativeBuffer(floats);
        _owned.Add(buffer);
        return buffer;
    }

    private static WeightFormat Stored(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F32 => WeightFormat.F32,
        SafeTensorsDType.F16 => WeightFormat.F16,
        SafeTensorsDType.BF16 => WeightFormat.BF16,
        _ => WeightFormat.Q8,
    };

    // Reads one byte per page of the mapped files in use so the first forward pass does not take the page faults.
    private void TouchMappedPages()
    {
        foreach (var file in _filesInUse)
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
