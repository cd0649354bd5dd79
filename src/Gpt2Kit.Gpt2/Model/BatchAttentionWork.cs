using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Threading;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>Attention of one new position per row for one layer, where each row belongs to its own session (cache, mask
/// and length); workers take (row, head) items from a shared counter. Each item is the same kernel call that
/// <see cref="AttentionWork"/> makes for that row alone.</summary>
/// <remarks>Not thread-safe to configure; one instance per <see cref="BatchDecoder"/>.</remarks>
internal sealed unsafe class BatchAttentionWork(float* scores, int scoresPerWorker, int maxRows) : IParallelWork
{
    private readonly (Gpt2Session Session, int Row)[] _rows = new (Gpt2Session, int)[maxRows];
    private int _count;
    private float* _qkv, _output;
    private int _layer, _heads, _headSize;
    private float _scale;
    private int _next;

    /// <summary>The kernels' SIMD width (the sessions' own).</summary>
    public SimdWidth Width { get; init; } = SimdWidth.Auto;

    /// <summary>Forgets the rows of the previous step.</summary>
    public void Clear() => _count = 0;

    /// <summary>Adds row <paramref name="row"/> of <paramref name="session"/> as the next batch row.</summary>
    public void AddRow(Gpt2Session session, int row) => _rows[_count++] = (session, row);

    /// <summary>The session and session row of batch row <paramref name="index"/>.</summary>
    public (Gpt2Session Session, int Row) RowAt(int index) => _rows[index];

    /// <summary>Sets the layer and the operands of the next run.</summary>
    public void Set(int layer, float* qkv, float* output, int heads, int headSize, float scale)
    {
        _layer = layer;
        _qkv = qkv;
        _output = output;
        _heads = heads;
        _headSize = headSize;
        _scale = scale;
        _next = 0;
    }

    public void Execute(int worker, int workerCount)
    {
        int total = _count * _heads;
        int width = _heads * _headSize;
        var scratch = new Span<float>(scores + ((long)worker * scoresPerWorker), scoresPerWorker);
        for (int item; (item = Interlocked.Increment(ref _next) - 1) < total;)
        {
            int head = item % _heads;
            int m = item / _heads;
            var (session, row) = _rows[m];
            var cache = session.Cache;
            int start = session.Length;
            int window = start + 1;
            var query = new ReadOnlySpan<float>(_qkv + ((long)m * 3 * width) + (head * _headSize), _headSize);
            var keys = new ReadOnlySpan<float>(cache.Keys(row, _layer, head), window * _headSize);
            var values = new ReadOnlySpan<float>(cache.Values(row, _layer, head), window * _headSize);
            var keyMask = new ReadOnlySpan<int>(session.MaskHistory, row * cache.Capacity, window);
            var output = new Span<float>(_output + ((long)m * width) + (head * _headSize), _headSize);
            CausalAttention.Compute(query, keys, values, keyMask, window, window, _scale, scratch, output, Width);
        }
    }
}
