namespace Gpt2Kit.Gpt2.Model;

/// <summary>Blocks (KV caches, scratch) returned by finished sessions, handed to the next session that fits in one, so
/// repeated requests do not map and fault in fresh memory each time.</summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class NativeBufferPool : IDisposable
{
    private const int MaxIdleBuffers = 2;
    private readonly List<NativeBuffer> _idle = [];
    private bool _disposed;

    /// <summary>An idle buffer of at least <paramref name="length"/> floats (and not more than twice that), or a new one.</summary>
    public NativeBuffer Rent(long length)
    {
        lock (_idle)
        {
            int best = -1;
            for (int i = 0; i < _idle.Count; i++)
            {
                long size = _idle[i].Length;
                if (size >= length && size <= 2 * length && (best < 0 || size < _idle[best].Length))
                {
                    best = i;
                }
            }

            if (best >= 0)
            {
                var buffer = _idle[best];
                _idle.RemoveAt(best);
                return buffer;
            }
        }

        return new NativeBuffer(length);
    }

    /// <summary>Keeps <paramref name="buffer"/> for reuse, or frees it (and the oldest idle one when the pool is full).</summary>
    public void Return(NativeBuffer buffer)
    {
        NativeBuffer? evicted = null;
        lock (_idle)
        {
            if (_disposed)
            {
                evicted = buffer;
            }
            else
            {
                _idle.Add(buffer);
                if (_idle.Count > MaxIdleBuffers)
                {
                    evicted = _idle[0];
                    _idle.RemoveAt(0);
                }
            }
        }

        evicted?.Dispose();
    }

    /// <summary>Frees every idle buffer.</summary>
    public void Dispose()
    {
        lock (_idle)
        {
            _disposed = true;
            foreach (var buffer in _idle)
            {
                buffer.Dispose();
            }

            _idle.Clear();
        }
    }
}
