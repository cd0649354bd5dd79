using System.Diagnostics;
using Gpt2Kit.Models;

namespace Gpt2Kit.Server.Batching;

/// <summary>The one thread that runs batched decoding steps for a model. Request threads hand in their step and block;
/// the scheduler waits until every running session has handed one in (or a short gather window has passed, so that a
/// slow request cannot hold back the others), computes the batch, copies each session's logits back and wakes them.</summary>
/// <remarks>Thread-safe. A session joins the set the scheduler waits for at its first step and leaves it on dispose.</remarks>
internal sealed class DecodeScheduler : IDisposable
{
    /// <summary>How long a step waits for the stragglers once one session is ready.</summary>
    private static readonly TimeSpan GatherWindow = TimeSpan.FromMilliseconds(10);

    private readonly IBatchDecodingModel _model;
    private readonly int _vocab;
    private readonly int _maxRows;
    private readonly Action<int>? _onStep;
    private readonly object _gate = new();
    private readonly List<BatchedSession> _pending = [];
    private readonly Thread _thread;
    private int[] _tokens = [], _positions = [], _mask = [];
    private float[] _logits = [];
    private int _joined;
    private bool _stopping;
    private long _steps;
    private int _largest;

    public DecodeScheduler(IBatchDecodingModel model, int vocab, int maxRows, Action<int>? onStep)
    {
        _model = model;
        _vocab = vocab;
        _maxRows = maxRows;
        _onStep = onStep;
        _thread = new Thread(Loop) { IsBackground = true, Name = "Gpt2Kit decode scheduler" };
        _thread.Start();
    }

    /// <summary>Batched steps run so far.</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>The most rows one step has computed so far.</summary>
    public int LargestBatchRows => Volatile.Read(ref _largest);

    /// <summary>Runs <paramref name="session"/>'s step in the next batch and returns when its logits are in place.</summary>
    public void Run(BatchedSession session)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            if (!session.Joined)
            {
                session.Joined = true;
                _joined++;
            }

            session.Error = null;
            session.Done.Reset();
            _pending.Add(session);
            Monitor.PulseAll(_gate);
        }

        session.Done.Wait();
        if (session.Error is { } error)
        {
            throw new InvalidOperationException($"The batched decoding step failed: {error.Message}", error);
        }
    }

    /// <summary>Stops waiting for <paramref name="session"/> (it finished or was cancelled).</summary>
    public void Leave(BatchedSession session)
    {
        lock (_gate)
        {
            if (session.Joined)
            {
                session.Joined = false;
                _joined--;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Finishes the steps handed in and stops the thread.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        _thread.Join();
    }

    private void Loop()
    {
        var batch = new List<BatchedSession>();
        var sessions = new List<IModelSession>();
        while (true)
        {
            lock (_gate)
            {
                while (_pending.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_gate);
                }

                if (_pending.Count == 0)
                {
                    return;
                }

                var started = Stopwatch.GetTimestamp();
                while (_pending.Count < _joined && Rows(_pending) < _maxRows && !_stopping)
                {
                    var left = GatherWindow - Stopwatch.GetElapsedTime(started);
                    if (left <= TimeSpan.Zero || !Monitor.Wait(_gate, left))
                    {
                        break;
                    }
                }

                // At least one session; then as many whole sessions as fit.
                int rows = 0;
                batch.Clear();
                foreach (var session in _pending)
                {
                    if (batch.Count > 0 && rows + session.Rows > _maxRows)
                    {
                        break;
                    }

                    batch.Add(session);
                    rows += session.Rows;
                }

                _pending.RemoveRange(0, batch.Count);
            }

            Step(batch, sessions);
        }
    }

    private void Step(List<BatchedSession> batch, List<IModelSession> sessions)
    {
        int rows = Rows(batch);
        try
        {
            sessions.Clear();
            if (_tokens.Length < rows)
            {
                // Grown, never shrunk: a step allocates nothing once the batch size has been seen.
                (_tokens, _positions, _mask, _logits) = (new int[rows], new int[rows], new int[rows], new float[rows * _vocab]);
            }

            int row = 0;
            foreach (var session in batch)
            {
                sessions.Add(session.Inner);
                session.Tokens.CopyTo(_tokens, row);
                session.Positions.CopyTo(_positions, row);
                session.Mask.CopyTo(_mask, row);
                row += session.Rows;
            }

            var logits = _logits.AsSpan(0, rows * _vocab);
            _model.DecodeBatch(sessions, _tokens.AsSpan(0, rows), _positions.AsSpan(0, rows), _mask.AsSpan(0, rows), logits);
            row = 0;
            foreach (var session in batch)
            {
                logits.Slice(row * _vocab, session.Rows * _vocab).CopyTo(session.Logits);
                row += session.Rows;
            }
        }
        catch (Exception e)
        {
            foreach (var session in batch)
            {
                session.Error = e;
            }
        }

        Interlocked.Increment(ref _steps);
        Volatile.Write(ref _largest, Math.Max(_largest, rows));
        _onStep?.Invoke(rows);
        foreach (var session in batch)
        {
            session.Done.Set();
        }
    }

    private static int Rows(List<BatchedSession> sessions)
    {
        int rows = 0;
        foreach (var session in sessions)
        {
            rows += session.Rows;
        }

        return rows;
    }
}
