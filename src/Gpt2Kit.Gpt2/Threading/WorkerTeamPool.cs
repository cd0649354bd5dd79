using System.Collections.Concurrent;

namespace Gpt2Kit.Gpt2.Threading;

/// <summary>Worker teams kept by a model between sessions, so a request does not start threads.</summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class WorkerTeamPool(int workerCount) : IDisposable
{
    private const int MaxIdleTeams = 4;
    private readonly ConcurrentBag<WorkerTeam> _idle = [];
    private volatile bool _disposed;

    /// <summary>Workers per team, the calling thread included.</summary>
    public int WorkerCount { get; } = workerCount;

    /// <summary>An idle team, or a new one.</summary>
    public WorkerTeam Rent() => _idle.TryTake(out var team) ? team : new WorkerTeam(WorkerCount);

    /// <summary>Gives a team back; it is stopped when the pool is full or disposed.</summary>
    public void Return(WorkerTeam team)
    {
        if (_disposed || _idle.Count >= MaxIdleTeams)
        {
            team.Dispose();
            return;
        }

        _idle.Add(team);
    }

    /// <summary>Stops every idle team.</summary>
    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var team))
        {
            team.Dispose();
        }
    }
}
