using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Threading;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>Attention of every new position of every row and head for one layer; workers take (row, position, head)
/// items from a shared counter, since causal queries near the end cost more than those near the start.</summary>
/// <remarks>Not thread-safe to configure; one instance per session.</remarks>
internal sealed unsafe class AttentionWork(KeyValueCache cache, int[] mask, float* scores, int scoresPerWorker) : IParallelWork
{
    private const int ItemsPerGrab = 4;

    private float* _qkv, _output;
    private int _layer, _start, _newTokens, _heads, _headSize, _rows;
    private float _scale;
    private int _next;

    /// <summary>The register width of the attention kernel.</summary>
    public SimdWidth Width { get; init; } = SimdWidth.Auto;

    /// <summary>Sets the layer and the chunk: <paramref name="newTokens"/> positions per row, the first at cache slot <paramref name="start"/>.</summary>
    public void Set(int layer, float* qkv, float* output, int rows, int start, int newTokens, int heads, int headSize, float scale)
    {
        _layer = layer;
        _qkv = qkv;
        _output = output;
        _rows = rows;
        _start = start;
        _newTokens = newTokens;
        _heads = heads;
        _headSize = headSize;
        _scale = scale;
        _next = 0;
    }

    public void Execute(int worker, int workerCount)
    {
        int total = _rows * _newTokens * _heads;
        int width = _heads * _headSize;
        int window = _start + _newTokens;
        var scratch = new Span<float>(scores + ((long)worker * scoresPerWorker), scoresPerWorker);
        while (true)
        {
            int first = Interlocked.Add(ref _next, ItemsPerGrab) - ItemsPerGrab;
            if (first >= total)
            {
                return;
            }

            for (int item = first; item < Math.Min(first + ItemsPerGrab, total); item++)
            {
                int head = item % _heads;
                int m = item / _heads;            // row-major (row, position) index of the chunk
                int row = m / _newTokens;
                int t = m % _newTokens;
                var query = new ReadOnlySpan<float>(_qkv + ((long)m * 3 * width) + (head * _headSize), _headSize);
                var keys = new ReadOnlySpan<float>(cache.Keys(row, _layer, head), window * _headSize);
                var values = new ReadOnlySpan<float>(cache.Values(row, _layer, head), window * _headSize);
                var keyMask = new ReadOnlySpan<int>(mask, row * cache.Capacity, window);
                var output = new Span<float>(_output + ((long)m * width) + (head * _headSize), _headSize);
                CausalAttention.Compute(query, keys, values, keyMask, _start + t + 1, window, _scale, scratch, output, Width);
            }
        }
    }
}
