using System.Runtime.ExceptionServices;

namespace Gpt2Kit.Gpt2.Threading;

/// <summary>A fixed team of threads for the forward pass: the caller is worker 0 and <c>WorkerCount − 1</c> dedicated
/// threads are the others. Dispatching allocates nothing, and idle workers spin briefly before they block, so the
/// ~60 dispatches of one decoding step do not pay a thread wake-up each.</summary>
/// <remarks>Not thread-safe: one <see cref="Run"/> at a time (a team belongs to one session at a time).</remarks>
internal sealed class WorkerTeam : IDisposable
{
    // ManualResetEventSlim spins (then yields) this many iterations before it blocks: long enough to bridge the gaps
    // between the dispatches of one step, short enough to leave the core to others on a busy machine.
    private const int SpinCount = 500;

    private readonly ManualResetEventSlim[] _start;
    private readonly ManualResetEventSlim _done = new(false, SpinCount);
    private IParallelWork? _work;
    private int _pending;
    private Exception? _error;
    private volatile bool _disposed;

    /// <summary>Creates a team of <paramref name="workerCount"/> workers (the calling thread included).</summary>
    public WorkerTeam(int workerCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        WorkerCount = workerCount;
        _start = new ManualResetEventSlim[workerCount - 1];
        for (int i = 0; i < _start.Length; i++)
        {
            _start[i] = new ManualResetEventSlim(false, SpinCount);
            int worker = i + 1;
            var thread = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"Gpt2Kit worker {worker}" };
            thread.Start();
        }
    }

    /// <summary>The number of workers, the calling thread included.</summary>
    public int WorkerCount { get; }

    /// <summary>Runs <paramref name="work"/> on every worker and returns when all are done; rethrows a worker's exception.</summary>
    public void Run(IParallelWork work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (WorkerCount == 1)
        {
            work.Execute(0, 1);
            return;
        }

        _work = work;
        _error = null;
        _done.Reset();
        Volatile.Write(ref _pending, WorkerCount - 1);
        foreach (var start in _start)
        {
            start.Set();
        }

        try
        {
            work.Execute(0, WorkerCount);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
        }

        _done.Wait();
        _work = null;
        if (_error is { } error)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var start in _start)
        {
            start.Set();
        }
    }

    private void WorkerLoop(int worker)
    {
        var start = _start[worker - 1];
        while (true)
        {
            start.Wait();
            start.Reset();
            if (_disposed)
            {
                return;
            }

            try
            {
                _work!.Execute(worker, WorkerCount);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }

            if (Interlocked.Decrement(ref _pending) == 0)
            {
                _done.Set();
            }
        }
    }
}
