namespace Gpt2Kit.Plugins;

/// <summary>What plugin loading found: the plugins loaded, what each registered, and every plugin that failed and why.
/// Registered as a singleton by <c>AddPluginsFrom</c>; several folders add to the same report.</summary>
/// <remarks>Filled during start-up; thread-safe (additions are locked, readers get snapshots).</remarks>
public sealed class PluginLoadReport
{
    private readonly object _gate = new();
    private readonly List<LoadedPlugin> _plugins = [];
    private readonly List<PluginFailure> _failures = [];
    private readonly List<string> _folders = [];

    /// <summary>The plugins folders scanned, as full paths, in order.</summary>
    public IReadOnlyList<string> Folders
    {
        get
        {
            lock (_gate)
            {
                return _folders.ToArray();
            }
        }
    }

    /// <summary>The plugins that loaded and registered, in load order.</summary>
    public IReadOnlyList<LoadedPlugin> Plugins
    {
        get
        {
            lock (_gate)
            {
                return _plugins.ToArray();
            }
        }
    }

    /// <summary>The plugins (or plugin folders) that failed, with the reason; each had no effect on the host.</summary>
    public IReadOnlyList<PluginFailure> Failures
    {
        get
        {
            lock (_gate)
            {
                return _failures.ToArray();
            }
        }
    }

    /// <summary>The plugin that registered a component of this name, or null.</summary>
    public LoadedPlugin? FindOwner(string componentName, PluginComponentKind kind)
    {
        lock (_gate)
        {
            return _plugins.FirstOrDefault(p => p.Registrations.Any(r => SameSlot(r, componentName, kind)));
        }
    }

    internal void AddFolder(string folder)
    {
        lock (_gate)
        {
            _folders.Add(folder);
        }
    }

    internal void Add(LoadedPlugin plugin)
    {
        lock (_gate)
        {
            _plugins.Add(plugin);
        }
    }

    internal void Add(PluginFailure failure)
    {
        lock (_gate)
        {
            _failures.Add(failure);
        }
    }

    // Processors and warpers share one name space (both are chain entries); strategies, criteria and backends have their own.
    internal static bool SameSlot(PluginRegistration registration, string name, PluginComponentKind kind) =>
        string.Equals(registration.Name, name, StringComparison.OrdinalIgnoreCase) && Slot(registration.Kind) == Slot(kind);

    private static PluginComponentKind Slot(PluginComponentKind kind) => kind == PluginComponentKind.Warper ? PluginComponentKind.Processor : kind;
}

/// <summary>A plugin that loaded.</summary>
/// <param name="Name">The plugin type's name (<c>XtcPlugin</c>).</param>
/// <param name="AssemblyName">Its assembly's simple name.</param>
/// <param name="Version">Its assembly's informational version (or assembly version).</param>
/// <param name="AssemblyPath">The assembly file.</param>
/// <param name="Registrations">What it registered.</param>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record LoadedPlugin(string Name, string AssemblyName, string Version, string AssemblyPath, IReadOnlyList<PluginRegistration> Registrations);

/// <summary>One component a plugin registered.</summary>
/// <param name="Name">The name it is used by (<c>"xtc"</c>), or its type name when it is registered by type.</param>
/// <param name="Kind">What it is.</param>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record PluginRegistration(string Name, PluginComponentKind Kind);

/// <summary>The kinds of component a plugin can add.</summary>
public enum PluginComponentKind
{
    /// <summary>A logits processor factory of the processor stage.</summary>
    Processor,

    /// <summary>A logits processor factory of the sampling-warper stage.</summary>
    Warper,

    /// <summary>A search strategy.</summary>
    Strategy,

    /// <summary>A stopping criterion factory.</summary>
    StoppingCriterion,

    /// <summary>A model backend.</summary>
    Backend,

    /// <summary>Any other service.</summary>
    Service,
}

/// <summary>A plugin that could not be used; nothing it registered was added.</summary>
/// <param name="Plugin">The plugin's name (its type, or its folder when no type was reached).</param>
/// <param name="Path">The file or folder at fault.</param>
/// <param name="Reason">Why, in one sentence.</param>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record PluginFailure(string Plugin, string Path, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Plugin} ({Path}): {Reason}";
}
