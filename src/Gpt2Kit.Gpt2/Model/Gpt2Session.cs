using System.Numerics.Tensors;
using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Threading;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>One request on a <see cref="Gpt2Model"/>: the KV cache of <see cref="Rows"/> sequences, their attention-mask
/// history, scratch buffers and a worker team. Long inputs run in chunks of at most <see cref="_chunkRows"/> rows ×
/// positions so scratch stays small; that changes nothing in the results.</summary>
/// <remarks>Not thread-safe: one request on one thread at a time.</remarks>
internal sealed unsafe class Gpt2Session : IModelSession
{
    /// <summary>Rows × positions computed together in one chunk of a long prompt.</summary>
    private const int ChunkRowsTarget = 256;

    /// <summary>From this many rows on, LayerNorm and the activation are split over the team.</summary>
    private const int ParallelRowwiseMinRows = 16;

    private readonly Gpt2Model _model;
    private readonly Gpt2Config _config;
    private readonly Gpt2Weights _weights;
    private readonly KeyValueCache _cache;
    private readonly int[] _mask;
    private readonly int[] _spareMask;
    private readonly int[] _reorderScratch;
    private readonly WorkerTeam _team;
    private readonly NativeBufferPool _scratchPool;
    private readonly NativeBuffer _scratch;
    private readonly int _chunkRows;
    private readonly float* _hidden, _normed, _qkv, _attention, _projected, _mlp, _final;
    private readonly Conv1DWork _conv;
    private readonly RowwiseWork _rowwise = new();
    private readonly LogitsWork _logits;
    private readonly AttentionWork _attentionWork;
    private bool _disposed;

    public Gpt2Session(Gpt2Model model, Gpt2Weights weights, WorkerTeam team, NativeBufferPool cachePool, NativeBufferPool scratchPool, int rows, int capacity)
    {
        _model = model;
        _config = model.Config;
        _weights = weights;
        _team = team;
        Rows = rows;
        Capacity = capacity;
        int d = _config.HiddenSize;
        _cache = new KeyValueCache(cachePool, rows, capacity, _config.LayerCount, _config.HeadCount, _config.HeadSize);
        _mask = new int[rows * capacity];
        _spareMask = new int[capacity];
        _reorderScratch = new int[2 * rows];
        _chunkRows = ChunkRows(rows, capacity);
        long chunk = _chunkRows;
        int workers = team.WorkerCount;
        _scratchPool = scratchPool;
        _scratch = scratchPool.Rent(ScratchFloats(_config, rows, capacity, workers));
        float* next = _scratch.Pointer;
        float* Take(long count)
        {
            float* p = next;
            next += (count + 15) / 16 * 16;
            return p;
        }

        _hidden = Take(chunk * d);
        _normed = Take(chunk * d);
        _qkv = Take(chunk * 3 * d);
        _attention = Take(chunk * d);
        _projected = Take(chunk * d);
        _mlp = Take(chunk * _config.InnerSize);
        _final = Take(chunk * d);
        float* scores = Take((long)workers * capacity);
        _conv = new Conv1DWork(Take(Conv1DWork.PartialFloats(workers, Math.Max(3 * d, _config.InnerSize))), workers, model.SimdWidth);
        _logits = new LogitsWork(rows, model.SimdWidth);
        _attentionWork = new AttentionWork(_cache, _mask, scores, capacity) { Width = model.SimdWidth };
    }

    public ModelInfo Info => _model.Info;

    public int Rows { get; }

    public int Capacity { get; }

    public int Length { get; private set; }

    /// <summary>Floats of scratch a session of this shape allocates besides its KV cache.</summary>
    public static long ScratchFloats(Gpt2Config config, int rows, int capacity, int workers)
    {
        // hidden, normed, qkv (3), attention, projected, final: 8 rows of n_embd; the MLP row; 16-float alignment per buffer.
        long chunk = ChunkRows(rows, capacity);
        long partials = Conv1DWork.PartialFloats(workers, Math.Max(3 * config.HiddenSize, config.InnerSize));
        return checked((chunk * ((8L * config.HiddenSize) + config.InnerSize)) + ((long)workers * capacity) + partials + (9 * 16));
    }

    public void Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> attentionMask, Span<float> logits,
        bool allPositions = false, Span<float> hiddenStates = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var lease = _model.Lease();
        int newTokens = ValidateForward(tokens, positions, attentionMask, logits, allPositions, hiddenStates);
        for (int r = 0; r < Rows; r++)
        {
            attentionMask.Slice(r * newTokens, newTokens).CopyTo(_mask.AsSpan((r * Capacity) + Length, newTokens));
        }

        int chunkTokens = Math.Max(1, _chunkRows / Rows);
        fixed (float* logitsPointer = logits)
        fixed (float* hiddenPointer = hiddenStates)
        {
            for (int t0 = 0; t0 < newTokens; t0 += chunkTokens)
            {
                int count = Math.Min(chunkTokens, newTokens - t0);
                RunChunk(tokens, positions, newTokens, t0, count);
                if (allPositions || t0 + count == newTokens)
                {
                    ProduceOutputs(newTokens, t0, count, allPositions, logitsPointer, hiddenPointer);
                }
            }
        }
    }

    public void Reorder(ReadOnlySpan<int> sources)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (sources.Length != Rows)
        {
            throw new ArgumentException($"sources has {sources.Length} entries; the session has {Rows} rows.", nameof(sources));
        }

        var mover = new RowMover(this);
        RowReorder.Apply(sources, ref mover, _reorderScratch);
    }

    public void Truncate(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (length < 0 || length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"The session holds {Length} positions; length must be in 0..{Length}.");
        }

        Length = length;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _cache.Dispose();
        _scratchPool.Return(_scratch);
        _model.ReturnTeam(_team);
    }

    private static int ChunkRows(int rows, int capacity) => Math.Max(rows, (int)Math.Min(ChunkRowsTarget, (long)rows * capacity));

    private int ValidateForward(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> attentionMask, Span<float> logits,
        bool allPositions, Span<float> hiddenStates)
    {
        if (tokens.IsEmpty || tokens.Length % Rows != 0)
        {
            throw new ArgumentException($"tokens has {tokens.Length} ids; expected a positive multiple of the {Rows} rows.", nameof(tokens));
        }

        int newTokens = tokens.Length / Rows;
        if (positions.Length != tokens.Length)
        {
            throw new ArgumentException($"positions has {positions.Length} entries; tokens has {tokens.Length}.", nameof(positions));
        }

        if (attentionMask.Length != tokens.Length)
        {
            throw new ArgumentException($"attentionMask has {attentionMask.Length} entries; tokens has {tokens.Length}.", nameof(attentionMask));
        }

        if (Length + newTokens > Capacity)
        {
            throw new InvalidOperationException($"{newTokens} new positions do not fit: the session holds {Length} of its capacity {Capacity}.");
        }

        int vocab = _config.VocabSize;
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)vocab)
            {
                throw new ArgumentException($"tokens[{i}] is {tokens[i]}; token ids are 0..{vocab - 1}.", nameof(tokens));
            }

            if ((uint)positions[i] >= (uint)_config.ContextLength)
            {
                throw new ArgumentException($"positions[{i}] is {positions[i]}; this model has n_positions {_config.ContextLength} (positions 0..{_config.ContextLength - 1}).", nameof(positions));
            }

            if (attentionMask[i] is not (0 or 1))
            {
                throw new ArgumentException($"attentionMask[{i}] is {attentionMask[i]}; expected 0 or 1.", nameof(attentionMask));
            }
        }

        long outputRows = allPositions ? tokens.Length : Rows;
        if (logits.Length != outputRows * vocab)
        {
            throw new ArgumentException($"logits has {logits.Length} floats; expected {outputRows} × {vocab} = {outputRows * vocab}.", nameof(logits));
        }

        if (!hiddenStates.IsEmpty && hiddenStates.Length != outputRows * _config.HiddenSize)
        {
            throw new ArgumentException($"hiddenStates has {hiddenStates.Length} floats; expected {outputRows} × {_config.HiddenSize} = {outputRows * _config.HiddenSize} (or none).", nameof(hiddenStates));
        }

        return newTokens;
    }

    // Appends positions t0..t0+count of every row: embeddings, every block (writing its keys and values at slots
    // Length..), and advances Length. Chunk rows are ordered (row, position).
    private void RunChunk(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, int newTokens, int t0, int count)
    {
        int d = _config.HiddenSize, heads = _config.HeadCount, headSize = _config.HeadSize, inner = _config.InnerSize;
        int m = Rows * count;
        for (int r = 0; r < Rows; r++)
        {
            for (int t = 0; t < count; t++)
            {
                int i = (r * newTokens) + t0 + t;
                var row = new Span<float>(_hidden + ((long)((r * count) + t) * d), d);
                WeightRows.Read(_weights.TokenEmbedding.AsSpan(), tokens[i], row, width: _model.SimdWidth);
                WeightRows.Read(_weights.PositionEmbedding.AsSpan(), positions[i], row, accumulate: true, _model.SimdWidth);
            }
        }

        var hidden = new Span<float>(_hidden, m * d);
        var projected = new ReadOnlySpan<float>(_projected, m * d);
        float baseScale = _config.ScaleAttentionWeights ? 1f / MathF.Sqrt(headSize) : 1f;
        for (int layer = 0; layer < _config.LayerCount; layer++)
        {
            ref readonly var w = ref _weights.Layers[layer];
            _rowwise.SetLayerNorm(_hidden, _normed, m, d, w.Norm1Weight, w.Norm1Bias, _config.LayerNormEpsilon);
            RunRowwise(m);
            Conv(_normed, m, w.AttentionWeight, w.AttentionBias, _qkv);
            StoreKeysAndValues(layer, count);
            float scale = _config.ScaleAttentionByInverseLayerIndex ? baseScale / (layer + 1) : baseScale;
            _attentionWork.Set(layer, _qkv, _attention, Rows, Length, count, heads, headSize, scale);
            _team.Run(_attentionWork);
            Conv(_attention, m, w.AttentionProjectionWeight, w.AttentionProjectionBias, _projected);
            TensorPrimitives.Add(hidden, projected, hidden);

            _rowwise.SetLayerNorm(_hidden, _normed, m, d, w.Norm2Weight, w.Norm2Bias, _config.LayerNormEpsilon);
            RunRowwise(m);
            Conv(_normed, m, w.MlpWeight, w.MlpBias, _mlp);
            _rowwise.SetActivation(_mlp, m, inner, _config.Activation);
            RunRowwise(m);
            Conv(_mlp, m, w.MlpProjectionWeight, w.MlpProjectionBias, _projected);
            TensorPrimitives.Add(hidden, projected, hidden);
        }

        Length += count;
    }

    // Copies the new keys and values (the k and v thirds of each qkv row) into the cache at slots Length...
    private void StoreKeysAndValues(int layer, int count)
    {
        int d = _config.HiddenSize, headSize = _config.HeadSize;
        for (int r = 0; r < Rows; r++)
        {
            for (int t = 0; t < count; t++)
            {
                float* qkv = _qkv + ((long)((r * count) + t) * 3 * d);
                long slot = (long)(Length + t) * headSize;
                for (int head = 0; head < _config.HeadCount; head++)
                {
                    new ReadOnlySpan<float>(qkv + d + (head * headSize), headSize).CopyTo(new Span<float>(_cache.Keys(r, layer, head) + slot, headSize));
                    new ReadOnlySpan<float>(qkv + (2 * d) + (head * headSize), headSize).CopyTo(new Span<float>(_cache.Values(r, layer, head) + slot, headSize));
                }
            }
        }
    }

    // ln_f of the rows that need outputs, then their logits (and hidden states) into the caller's spans.
    private void ProduceOutputs(int newTokens, int t0, int count, bool allPositions, float* logits, float* hiddenStates)
    {
        int d = _config.HiddenSize, vocab = _config.VocabSize;
        int selected = allPositions ? Rows * count : Rows;
        var norm = new ReadOnlySpan<float>(_weights.FinalNormWeight, d);
        var bias = new ReadOnlySpan<float>(_weights.FinalNormBias, d);
        for (int i = 0; i < selected; i++)
        {
            int source = allPositions ? i : (i * count) + count - 1;
            LayerNorm.Compute(new ReadOnlySpan<float>(_hidden + ((long)source * d), d), 1, d, norm, bias, _config.LayerNormEpsilon,
                new Span<float>(_final + ((long)i * d), d));
        }

        _logits.Set(_final, _weights.OutputWeight);
        if (allPositions)
        {
            for (int r = 0; r < Rows; r++)
            {
                long outputRow = ((long)r * newTokens) + t0;
                _logits.AddSegment(r * count, count, logits + (outputRow * vocab));
                if (hiddenStates is not null)
                {
                    new ReadOnlySpan<float>(_final + ((long)r * count * d), count * d).CopyTo(new Span<float>(hiddenStates + (outputRow * d), count * d));
                }
            }
        }
        else
        {
            _logits.AddSegment(0, Rows, logits);
            if (hiddenStates is not null)
            {
                new ReadOnlySpan<float>(_final, Rows * d).CopyTo(new Span<float>(hiddenStates, Rows * d));
            }
        }

        _team.Run(_logits);
    }

    private void Conv(float* input, int rows, WeightMatrix weight, float* bias, float* output)
    {
        _conv.Set(input, rows, weight, bias, output);
        _team.Run(_conv);
        _conv.ReducePartials();
    }

    private void RunRowwise(int rows)
    {
        if (rows >= ParallelRowwiseMinRows && _team.WorkerCount > 1)
        {
            _team.Run(_rowwise);
        }
        else
        {
            _rowwise.RunRows(0, rows);
        }
    }

    /// <summary>Moves whole rows of the cache and of the mask history for <see cref="Reorder"/>.</summary>
    private readonly struct RowMover(Gpt2Session session) : RowReorder.IRowMover
    {
        public void Copy(int source, int destination)
        {
            session._cache.CopyRow(source, destination, session.Length);
            session._mask.AsSpan(source * session.Capacity, session.Length).CopyTo(session._mask.AsSpan(destination * session.Capacity));
        }

        public void Save(int row)
        {
            session._cache.SaveRow(row, session.Length);
            session._mask.AsSpan(row * session.Capacity, session.Length).CopyTo(session._spareMask);
        }

        public void Restore(int destination)
        {
            session._cache.RestoreRow(destination, session.Length);
            session._spareMask.AsSpan(0, session.Length).CopyTo(session._mask.AsSpan(destination * session.Capacity));
        }
    }
}
