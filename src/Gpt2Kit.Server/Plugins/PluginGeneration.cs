using Gpt2Kit.Decoding;
using Gpt2Kit.Plugins;
using Microsoft.Extensions.DependencyInjection;
using LoaderOfMcMaster = McMaster.NETCore.Plugins.PluginLoader;

namespace Gpt2Kit.Server.Plugins;

/// <summary>One set of loaded plugins and the generator built over it. Requests hold a lease while they run; once a newer
/// generation replaced this one and the last lease ended, its service provider is disposed and its plugin contexts are
/// unloaded.</summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class PluginGeneration(int number, TextGenerator generator, PluginLoadReport report, ServiceProvider services,
    IReadOnlyList<LoaderOfMcMaster> loaders)
{
    private int _leases = 1; // the server's own, released on retire
    private int _disposed;

    public int Number { get; } = number;

    public TextGenerator Generator { get; } = generator;

    public PluginLoadReport Report { get; } = report;

    public DateTimeOffset LoadedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Plugin contexts this generation owns (handed on to the next one for plugins it keeps).</summary>
    public IReadOnlyList<LoaderOfMcMaster> Loaders { get; } = loaders;

    /// <summary>Contexts that moved on to a newer generation, so they are not unloaded with this one.</summary>
    public HashSet<LoaderOfMcMaster> HandedOn { get; } = [];

    /// <summary>Takes a lease, or returns false when the generation already retired.</summary>
    public bool TryAcquire()
    {
        for (int leases = Volatile.Read(ref _leases); leases > 0; leases = Volatile.Read(ref _leases))
        {
            if (Interlocked.CompareExchange(ref _leases, leases + 1, leases) == leases)
            {
                return true;
            }
        }

        return false;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _leases) == 0 && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            services.Dispose();
            foreach (var loader in Loaders.Where(l => !HandedOn.Contains(l)))
            {
                loader.Dispose();
            }
        }
    }
}
