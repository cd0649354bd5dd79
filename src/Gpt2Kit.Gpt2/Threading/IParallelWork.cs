namespace Gpt2Kit.Gpt2.Threading;

/// <summary>A piece of work that a <see cref="WorkerTeam"/> runs on all of its workers at once; each worker picks its
/// own share from its index (a static split, or a shared counter).</summary>
internal interface IParallelWork
{
    /// <summary>Runs worker <paramref name="worker"/>'s share (0-based, of <paramref name="workerCount"/>).</summary>
    void Execute(int worker, int workerCount);
}
