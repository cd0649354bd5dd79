using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Threading;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>One request on a <see cref="Gpt2Model"/>: the KV cache of <see cref="Rows"/> sequences, their attention-mask
/// history, scratch buffers and a worker team. Long inputs run in chunks of at most <see cref="_chunkRows"/> rows ×
/// positions so scratch stays small; that changes nothing in the results.</summary>
/// <remarks>Not thread-safe: one request on one thread at a time.</remarks>
internal sealed unsafe partial class Gpt2Session : IModelSession
{
    /// <summary>Rows × positions computed together in one chunk of a long prompt.</summary>
    private const int ChunkRowsTarget = 256;

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
    private readonly BlockActivations _activations;
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
        _activations = BlockActivations.Carve(ref next, _config, chunk);
        float* scores = BlockActivations.Take(ref next, (long)workers * capacity);
        _conv = new Conv1DWork(BlockActivations.Take(ref next, Conv1DWork.PartialFloats(workers, Math.Max(3 * d, _config.InnerSize))), workers,
            model.SimdWidth);
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
        // The activations of a chunk, attention scores per worker and the Conv1D partial sums, 16-float aligned each.
        long chunk = ChunkRows(rows, capacity);
        long partials = Conv1DWork.PartialFloats(workers, Math.Max(3 * config.HiddenSize, config.InnerSize));
        return checked(BlockActivations.Floats(config, chunk) + ((long)workers * capacity) + partials + (2 * 16));
    }

    public void Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> attentionMask, Span<float> logits,
        bool allPositions = false, Span<float> hiddenStates = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var lease = _model.Lease();
        int newTokens = ForwardArguments.Validate(this, tokens, positions, attentionMask, logits, allPositions, hiddenStates);
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
        ForwardArguments.ValidateReorder(Rows, sources);
        var mover = new RowMover(this);
        RowReorder.Apply(sources, ref mover, _reorderScratch);
    }

    public void Truncate(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ForwardArguments.ValidateTruncate(Length, length);
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

    // Appends positions t0..t0+count of every row: embeddings, every block (writing its keys and values at slots
    // Length..), and advances Length. Chunk rows are ordered (row, position).
    private void RunChunk(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, int newTokens, int t0, int count)
    {
        int d = _config.HiddenSize;
        for (int r = 0; r < Rows; r++)
        {
            for (int t = 0; t < count; t++)
            {
                int i = (r * newTokens) + t0 + t;
                TransformerBlocks.Embed(_weights, tokens[i], positions[i], new Span<float>(_activations.Hidden + ((long)((r * count) + t) * d), d),
                    _model.SimdWidth);
            }
        }

        var attention = new ChunkAttention(this, count);
        TransformerBlocks.Run(ref attention, _config, _weights, _activations, Rows * count, _team, _conv, _rowwise);
        Length += count;
    }

    // ln_f of the rows that need outputs, then their logits (and hidden states) into the caller's spans.
    private void ProduceOutputs(int newTokens, int t0, int count, bool allPositions, float* logits, float* hiddenStates)
    {
        int d = _config.HiddenSize, vocab = _config.VocabSize;
        int selected = allPositions ? Rows * count : Rows;
        for (int i = 0; i < selected; i++)
        {
            TransformerBlocks.FinalNorm(_config, _weights, _activations, allPositions ? i : (i * count) + count - 1, i);
        }

        _logits.Set(_activations.Final, _weights.OutputWeight);
        if (allPositions)
        {
            for (int r = 0; r < Rows; r++)
            {
                long outputRow = ((long)r * newTokens) + t0;
                _logits.AddSegment(r * count, count, logits + (outputRow * vocab));
                if (hiddenStates is not null)
                {
                    new ReadOnlySpan<float>(_activations.Final + ((long)r * count * d), count * d).CopyTo(new Span<float>(hiddenStates + (outputRow * d), count * d));
                }
            }
        }
        else
        {
            _logits.AddSegment(0, Rows, logits);
            if (hiddenStates is not null)
            {
                new ReadOnlySpan<float>(_activations.Final, Rows * d).CopyTo(new Span<float>(hiddenStates, Rows * d));
            }
        }

        _team.Run(_logits);
    }

    /// <summary>A chunk's attention: rows ordered (row, position), keys and values at slots Length.., causal over the
    /// session's own cache and mask.</summary>
    private readonly struct ChunkAttention(Gpt2Session session, int count) : TransformerBlocks.IAttentionStep
    {
        public void StoreKeysAndValues(int layer)
        {
            long rowFloats = 3L * session._config.HiddenSize;
            for (int r = 0; r < session.Rows; r++)
            {
                for (int t = 0; t < count; t++)
                {
                    TransformerBlocks.StoreKeyAndValue(session._config, session._activations.Qkv + (((r * count) + t) * rowFloats), session._cache, r, layer,
                        session.Length + t);
                }
            }
        }

        public void Attend(int layer, float scale)
        {
            session._attentionWork.Set(layer, session._activations.Qkv, session._activations.Attention, session.Rows, session.Length, count,
                session._config.HeadCount, session._config.HeadSize, scale);
            session._team.Run(session._attentionWork);
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
