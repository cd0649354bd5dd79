using System.Reflection;
using Gpt2Kit.Decoding;
using Gpt2Kit.Models;
using Gpt2Kit.Plugins;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using LoaderOfMcMaster = McMaster.NETCore.Plugins.PluginLoader;
using LibraryPluginLoader = Gpt2Kit.Plugins.PluginLoader;

namespace Gpt2Kit.Server.Plugins;

/// <summary>The server's plugins, reloadable while it runs: each (re)load composes the built-in components and the plugins of
/// the folders (with the library's load report, name-clash checks and fault guards) into a new
/// <see cref="PluginGeneration"/> and its generator; requests in flight finish on the generation they started with. A
/// plugin whose new version fails to load keeps its previous version, and the report says why. With watching on, a change
/// under a folder (a new or rebuilt plugin) reloads after a short quiet period.</summary>
/// <remarks>Thread-safe: reloads are serialized; <see cref="Acquire"/> may be called from any thread.</remarks>
internal sealed class PluginCatalog : IDisposable
{
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(500);

    private readonly ICausalLanguageModel _model;
    private readonly ITokenizer _tokenizer;
    private readonly IReadOnlyList<string> _folders;
    private readonly ILogger _logger;
    private readonly Lock _reloading = new();
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer _debounce;
    private Dictionary<string, (Assembly Assembly, LoaderOfMcMaster Loader)> _assemblies = new(StringComparer.Ordinal);
    private volatile PluginGeneration _current;

    public PluginCatalog(ICausalLanguageModel model, ITokenizer tokenizer, IReadOnlyList<string> folders, bool watch, ILogger logger)
    {
        _model = model;
        _tokenizer = tokenizer;
        _folders = folders.Select(Path.GetFullPath).ToList();
        _logger = logger;
        foreach (var folder in _folders)
        {
            if (!Directory.Exists(folder))
            {
                throw new DirectoryNotFoundException($"The plugins folder '{folder}' does not exist (expected a folder with one subfolder per plugin).");
            }
        }

        _current = Compose(null);
        _debounce = new Timer(_ => ReloadQuietly(), null, Timeout.Infinite, Timeout.Infinite);
        if (watch)
        {
            foreach (var folder in _folders)
            {
                var watcher = new FileSystemWatcher(folder)
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                };
                watcher.Changed += (_, _) => Touched();
                watcher.Created += (_, _) => Touched();
                watcher.Deleted += (_, _) => Touched();
                watcher.Renamed += (_, _) => Touched();
                watcher.EnableRaisingEvents = true;
                _watchers.Add(watcher);
            }
        }
    }

    /// <summary>The generation new requests use.</summary>
    public PluginGeneration Current => _current;

    /// <summary>Whether folders are watched.</summary>
    public bool Watching => _watchers.Count > 0;

    /// <summary>The current generation with a lease taken; release it when the request ends.</summary>
    public PluginGeneration Acquire()
    {
        while (true)
        {
            var generation = _current;
            if (generation.TryAcquire())
            {
                return generation;
            }
        }
    }

    /// <summary>Loads the folders again now and makes the result current.</summary>
    public PluginGeneration Reload()
    {
        lock (_reloading)
        {
            var previous = _current;
            var next = Compose(previous);
            _current = next;
            previous.Release();
            _logger.LogInformation("Plugins reloaded (generation {Generation}): {Loaded} loaded, {Failed} failed.", next.Number, next.Report.Plugins.Count, next.Report.Failures.Count);
            return next;
        }
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _debounce.Dispose();
        lock (_reloading)
        {
            _current.Release();
        }
    }

    private void Touched() => _debounce.Change(QuietPeriod, Timeout.InfiniteTimeSpan);

    // Runs on a timer thread: nothing may escape it (an unhandled exception there would end the process).
    private void ReloadQuietly()
    {
        try
        {
            Reload();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Reloading the plugins failed; the previous plugins keep serving.");
        }
    }

    private PluginGeneration Compose(PluginGeneration? previous)
    {
        var versions = new PluginVersionLoader();
        var loaded = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        Assembly LoadNew(string path) => loaded[path] = versions.Load(path);
        var (services, report) = Register(LoadNew);

        // A plugin that served before and fails now keeps its previous version: compose again with that version's assembly.
        var kept = previous is null ? [] : report.Failures.Where(f => _assemblies.ContainsKey(f.Path)).ToList();
        var handedOn = new List<LoaderOfMcMaster>();
        if (kept.Count > 0)
        {
            var keptPaths = kept.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
            (services, report) = Register(path => keptPaths.Contains(path) ? _assemblies[path].Assembly
                : loaded.TryGetValue(path, out var assembly) ? assembly : LoadNew(path));
            foreach (var failure in kept)
            {
                report.Add(failure with { Reason = $"the new version failed to load ({failure.Reason}); the previous version keeps serving" });
                handedOn.Add(_assemblies[failure.Path].Loader);
                previous!.HandedOn.Add(_assemblies[failure.Path].Loader);
            }
        }

        var assemblies = new Dictionary<string, (Assembly, LoaderOfMcMaster)>(StringComparer.Ordinal);
        foreach (var plugin in report.Plugins)
        {
            if (kept.Any(f => f.Path == plugin.AssemblyPath))
            {
                assemblies[plugin.AssemblyPath] = _assemblies[plugin.AssemblyPath];
            }
            else if (loaded.TryGetValue(plugin.AssemblyPath, out var assembly) && versions.ByPath.TryGetValue(plugin.AssemblyPath, out var loader))
            {
                assemblies[plugin.AssemblyPath] = (assembly, loader);
            }
        }

        _assemblies = assemblies;
        var provider = services.BuildServiceProvider();
        var generator = new TextGenerator(_model, _tokenizer, provider.GetServices<ISearchStrategy>(), provider.GetServices<ILogitsProcessorFactory>(),
            provider.GetServices<IStoppingCriterionFactory>());
        return new PluginGeneration((previous?.Number ?? 0) + 1, generator, report, provider, [.. versions.Loaded, .. handedOn]);
    }

    private (ServiceCollection Services, PluginLoadReport Report) Register(Func<string, Assembly> load)
    {
        var services = new ServiceCollection();
        var builder = services.AddGpt2Kit();
        var report = new PluginLoadReport();
        foreach (var folder in _folders)
        {
            report = LibraryPluginLoader.LoadFrom(builder, folder, load);
        }

        return (services, report);
    }
}
