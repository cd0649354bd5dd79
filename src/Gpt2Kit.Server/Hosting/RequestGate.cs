namespace Gpt2Kit.Server.Hosting;

/// <summary>Admission: at most <c>maxRunning</c> requests generate at once and at most <c>maxQueued</c> wait for a slot;
/// once closed (shutdown), nothing new gets in while the running requests finish.</summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class RequestGate(int maxRunning, int maxQueued)
{
    private readonly SemaphoreSlim _slots = new(maxRunning, maxRunning);
    private int _waiting;
    private volatile bool _closed;

    public int Running => maxRunning - _slots.CurrentCount;

    public int Waiting => Volatile.Read(ref _waiting);

    public bool Closed => _closed;

    /// <summary>Waits for a slot. Null when the queue is full (429); throws when closed.</summary>
    public async Task<IDisposable?> EnterAsync(CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return Closing();
        }

        if (!_slots.Wait(0))
        {
            if (Interlocked.Increment(ref _waiting) > maxQueued)
            {
                Interlocked.Decrement(ref _waiting);
                return null;
            }

            try
            {
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }

        return new Lease(_slots);
    }

    /// <summary>Refuses new requests from now on.</summary>
    public void Close() => _closed = true;

    private static IDisposable Closing() => throw new OpenAi.OpenAiException(503, "The server is shutting down; it finishes the running requests and takes no new ones.", code: "server_shutting_down", type: "server_error");

    private sealed class Lease(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
