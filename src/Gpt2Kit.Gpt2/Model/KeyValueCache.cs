namespace Gpt2Kit.Gpt2.Model;

/// <summary>The keys and values of every row, layer and head, preallocated for <see cref="Capacity"/> positions and
/// written in place. Layout <c>[row][layer][key|value][head][position][headSize]</c>: one head's keys are contiguous,
/// which is what a query reads.</summary>
/// <remarks>Not thread-safe to reorder; workers may read and write disjoint heads at once.</remarks>
internal sealed unsafe class KeyValueCache : IDisposable
{
    private readonly NativeBufferPool _pool;
    private readonly int _layers, _heads, _headSize;
    private readonly long _headStride, _rowStride;
    private NativeBuffer? _buffer;
    private NativeBuffer? _spare;

    /// <summary>Rents a cache of <paramref name="rows"/> × <paramref name="capacity"/> positions from <paramref name="pool"/>.</summary>
    public KeyValueCache(NativeBufferPool pool, int rows, int capacity, int layers, int heads, int headSize)
    {
        _pool = pool;
        Rows = rows;
        Capacity = capacity;
        (_layers, _heads, _headSize) = (layers, heads, headSize);
        _headStride = (long)capacity * headSize;
        _rowStride = _headStride * heads * 2 * layers;
        _buffer = pool.Rent(_rowStride * rows);
    }

    /// <summary>Rows (sequences).</summary>
    public int Rows { get; }

    /// <summary>Positions per row.</summary>
    public int Capacity { get; }

    /// <summary>Bytes one cache of this shape takes.</summary>
    public static long ByteSize(int rows, int capacity, int layers, int hiddenSize) => checked((long)rows * capacity * layers * 2 * hiddenSize * sizeof(float));

    /// <summary>The keys of one row, layer and head: <c>[Capacity, headSize]</c>.</summary>
    public float* Keys(int row, int layer, int head) => Block(row, layer, 0, head);

    /// <summary>The values of one row, layer and head: <c>[Capacity, headSize]</c>.</summary>
    public float* Values(int row, int layer, int head) => Block(row, layer, 1, head);

    /// <summary>Copies positions <c>0..length−1</c> of every layer and head from row <paramref name="source"/> to row <paramref name="destination"/>.</summary>
    public void CopyRow(int source, int destination, int length) =>
        CopyPrefixes(Row(source), Row(destination), length);

    /// <summary>Keeps positions <c>0..length−1</c> of row <paramref name="row"/> aside (one row at a time).</summary>
    public void SaveRow(int row, int length)
    {
        _spare ??= new NativeBuffer(_rowStride);
        CopyPrefixes(Row(row), _spare.Pointer, length);
    }

    /// <summary>Writes the row kept by <see cref="SaveRow"/> into row <paramref name="row"/>.</summary>
    public void RestoreRow(int row, int length) =>
        CopyPrefixes((_spare ?? throw new InvalidOperationException("No row was saved.")).Pointer, Row(row), length);

    /// <summary>Returns the cache to the pool.</summary>
    public void Dispose()
    {
        if (_buffer is not null)
        {
            _pool.Return(_buffer);
            _buffer = null;
        }

        _spare?.Dispose();
        _spare = null;
    }

    private float* Row(int row) => (_buffer ?? throw new ObjectDisposedException(nameof(KeyValueCache))).Pointer + (row * _rowStride);

    private float* Block(int row, int layer, int kind, int head) =>
        Row(row) + ((((long)layer * 2) + kind) * _heads * _headStride) + (head * _headStride);

    private void CopyPrefixes(float* source, float* destination, int length)
    {
        long bytes = (long)length * _headSize * sizeof(float);
        for (long block = 0; block < (long)_layers * 2 * _heads; block++)
        {
            long offset = block * _headStride;
            Buffer.MemoryCopy(source + offset, destination + offset, bytes, bytes);
        }
    }
}
