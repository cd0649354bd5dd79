using System.Reflection;
using Gpt2Kit.Decoding;
using Gpt2Kit.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Plugins;

/// <summary>Loads plugins from a folder whose subfolders each hold one plugin (its assembly, named like the folder, with
/// its <c>.deps.json</c> and dependencies). Each plugin gets its own load context; its <see cref="IGpt2KitPlugin"/> types
/// register into a scratch collection first, and only a plugin that registered without error and without a name clash is
/// added to the host's services. Every problem is recorded in the <see cref="PluginLoadReport"/>; the host and the other
/// plugins keep working.</summary>
/// <remarks>Start-up only; not thread-safe (call it from one thread, as service registration is).</remarks>
public static class PluginLoader
{
    /// <summary>Loads every plugin under <paramref name="folder"/> into <paramref name="builder"/>'s services.</summary>
    /// <returns>The services' <see cref="PluginLoadReport"/> (created and registered on first use), with this folder's
    /// plugins and failures added.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static PluginLoadReport LoadFrom(IGpt2KitBuilder builder, string folder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The plugins folder '{root}' does not exist (expected a folder with one subfolder per plugin).");
        }

        var report = GetOrAddReport(builder.Services);
        report.AddFolder(root);
        foreach (var stray in Directory.EnumerateFiles(root, "*.dll").Order(StringComparer.Ordinal))
        {
            report.Add(new PluginFailure(Path.GetFileNameWithoutExtension(stray), stray,
                "a plugin goes in its own subfolder with its dependencies and .deps.json (plugins/<Name>/<Name>.dll); it was not loaded."));
        }

        foreach (var pluginFolder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            LoadFolder(builder.Services, report, pluginFolder);
        }

        return report;
    }

    private static PluginLoadReport GetOrAddReport(IServiceCollection services)
    {
        if (services.FirstOrDefault(d => d.ServiceType == typeof(PluginLoadReport) && !d.IsKeyedService)?.ImplementationInstance is PluginLoadReport existing)
        {
            return existing;
        }

        var report = new PluginLoadReport();
        services.AddSingleton(report);
        return report;
    }

    private static void LoadFolder(IServiceCollection services, PluginLoadReport report, string folder)
    {
        var folderName = Path.GetFileName(folder);
        var mainAssembly = FindMainAssembly(folder);
        if (mainAssembly is null)
        {
            report.Add(new PluginFailure(folderName, folder, $"no plugin assembly: expected '{folderName}.dll' (or exactly one assembly with a .deps.json)."));
            return;
        }

        Assembly assembly;
        Type[] pluginTypes;
        try
        {
            assembly = new PluginLoadContext(mainAssembly).LoadFromAssemblyPath(mainAssembly);
            pluginTypes = assembly.GetExportedTypes()
                .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IGpt2KitPlugin).IsAssignableFrom(t))
                .OrderBy(t => t.FullName, StringComparer.Ordinal)
                .ToArray();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            report.Add(new PluginFailure(folderName, mainAssembly, DescribeLoadFailure(ex)));
            return;
        }

        if (pluginTypes.Length == 0)
        {
            report.Add(new PluginFailure(folderName, mainAssembly, $"the assembly has no public non-abstract class implementing {nameof(IGpt2KitPlugin)}."));
            return;
        }

        foreach (var type in pluginTypes)
        {
            RegisterPlugin(services, report, assembly, mainAssembly, type);
        }
    }

    private static string? FindMainAssembly(string folder)
    {
        var named = Path.Combine(folder, Path.GetFileName(folder) + ".dll");
        if (File.Exists(named))
        {
            return named;
        }

        var withDeps = Directory.EnumerateFiles(folder, "*.deps.json")
            .Select(deps => deps[..^".deps.json".Length] + ".dll")
            .Where(File.Exists)
            .ToList();
        return withDeps.Count == 1 ? withDeps[0] : null;
    }

    private static void RegisterPlugin(IServiceCollection services, PluginLoadReport report, Assembly assembly, string path, Type type)
    {
        var scratch = new ServiceCollection();
        try
        {
            var plugin = (IGpt2KitPlugin)Activator.CreateInstance(type)!;
            plugin.Register(new Gpt2KitBuilder(scratch));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            report.Add(new PluginFailure(type.Name, path, DescribeRegistrationFailure(ex)));
            return;
        }

        // The tokenizer, the model and the generator belong to the host: a plugin that swapped them would change every request.
        if (scratch.FirstOrDefault(d => HostOnlyServices.Contains(d.ServiceType)) is { } taken)
        {
            report.Add(new PluginFailure(type.Name, path, $"it registers {taken.ServiceType.Name}, which only the host provides; this plugin was not loaded."));
            return;
        }

        List<PluginRegistration> registrations;
        try
        {
            registrations = DescribeAll(scratch);
        }
        catch (PluginFactoryException ex)
        {
            report.Add(new PluginFailure(type.Name, path, $"{ex.Message}; this plugin was not loaded."));
            return;
        }

        if (FindClash(services, report, registrations) is { } clash)
        {
            report.Add(new PluginFailure(type.Name, path, $"{clash}; this plugin was not loaded."));
            return;
        }

        foreach (var descriptor in scratch)
        {
            services.Add(Guard(descriptor, type.Name));
        }

        report.Add(new LoadedPlugin(type.Name, assembly.GetName().Name ?? type.Name, VersionOf(assembly), path, registrations));
    }

    private static string? FindClash(IServiceCollection services, PluginLoadReport report, List<PluginRegistration> registrations)
    {
        var hostNames = services.Where(d => !d.IsKeyedService)
            .Select(HostRegistration)
            .OfType<PluginRegistration>()
            .Where(r => r.Kind != PluginComponentKind.Service)
            .ToList();
        for (var i = 0; i < registrations.Count; i++)
        {
            var (name, kind) = (registrations[i].Name, registrations[i].Kind);
            if (kind == PluginComponentKind.Service)
            {
                continue;
            }

            var what = $"{Noun(kind)} '{name}'";
            if (report.FindOwner(name, kind) is { } owner)
            {
                return $"{what} is already registered by plugin {owner.Name} ({owner.AssemblyPath})";
            }

            if (hostNames.Any(r => PluginLoadReport.SameSlot(r, name, kind)))
            {
                return $"{what} is already registered by the host";
            }

            if (registrations.Take(i).Any(r => PluginLoadReport.SameSlot(r, name, kind)))
            {
                return $"{what} is registered twice by this plugin";
            }
        }

        return null;
    }

    /// <summary>What the host registered: instances by their name; types with a parameterless constructor (the built-in
    /// strategies) are created once to learn theirs; anything else cannot be named before the provider exists.</summary>
    private static PluginRegistration? HostRegistration(ServiceDescriptor descriptor)
    {
        if (descriptor.ImplementationInstance is not null)
        {
            return Describe(descriptor);
        }

        var isComponent = descriptor.ServiceType == typeof(ILogitsProcessorFactory) || descriptor.ServiceType == typeof(ISearchStrategy)
            || descriptor.ServiceType == typeof(IStoppingCriterionFactory) || descriptor.ServiceType == typeof(IModelLoader);
        if (!isComponent || descriptor.ImplementationType?.GetConstructor(Type.EmptyTypes) is not { } constructor)
        {
            return null;
        }

        try
        {
            return Describe(new ServiceDescriptor(descriptor.ServiceType, constructor.Invoke(null)));
        }
        catch (TargetInvocationException)
        {
            return null;
        }
    }

    internal static string Noun(PluginComponentKind kind) => kind switch
    {
        PluginComponentKind.Processor or PluginComponentKind.Warper => "processor",
        PluginComponentKind.Strategy => "search strategy",
        PluginComponentKind.StoppingCriterion => "stopping criterion",
        PluginComponentKind.Backend => "model backend",
        _ => "service",
    };

    /// <summary>What a plugin registered. Components registered by type or factory are created once from a provider over the
    /// plugin's own registrations to learn their names; one that needs host services is listed under its type name.</summary>
    private static List<PluginRegistration> DescribeAll(ServiceCollection registered)
    {
        using var scratch = registered.BuildServiceProvider();
        return registered.Select(descriptor =>
        {
            var described = Describe(descriptor);
            if (descriptor.ImplementationInstance is not null || descriptor.IsKeyedService || described.Kind == PluginComponentKind.Service)
            {
                return described;
            }

            try
            {
                var instance = descriptor.ImplementationFactory is { } factory
                    ? factory(scratch)
                    : ActivatorUtilities.CreateInstance(scratch, descriptor.ImplementationType!);
                return Describe(new ServiceDescriptor(descriptor.ServiceType, instance));
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or TargetInvocationException or MissingMethodException)
            {
                return described;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new PluginFactoryException($"creating its {Noun(described.Kind)} {described.Name} threw {ex.GetType().Name}: {ex.Message}", ex);
            }
        }).ToList();
    }

    private static PluginRegistration Describe(ServiceDescriptor descriptor)
    {
        var instance = descriptor.IsKeyedService ? null : descriptor.ImplementationInstance;
        var typeName = (descriptor.IsKeyedService ? descriptor.KeyedImplementationType : descriptor.ImplementationType)?.Name ?? descriptor.ServiceType.Name;
        return descriptor.ServiceType switch
        {
            var t when t == typeof(ILogitsProcessorFactory) => instance is ILogitsProcessorFactory f
                ? new(f.Name, f.Stage == LogitsProcessorStage.Warper ? PluginComponentKind.Warper : PluginComponentKind.Processor)
                : new(typeName, PluginComponentKind.Processor),
            var t when t == typeof(ISearchStrategy) => new((instance as ISearchStrategy)?.Name ?? typeName, PluginComponentKind.Strategy),
            var t when t == typeof(IStoppingCriterionFactory) => new((instance as IStoppingCriterionFactory)?.Name ?? typeName, PluginComponentKind.StoppingCriterion),
            var t when t == typeof(IModelLoader) => new((instance as IModelLoader)?.Name ?? typeName, PluginComponentKind.Backend),
            _ => new(descriptor.ServiceType.Name, PluginComponentKind.Service),
        };
    }

    /// <summary>Wraps the plugin's processors, strategies and criteria so that their failures name them and the plugin.</summary>
    private static ServiceDescriptor Guard(ServiceDescriptor descriptor, string plugin)
    {
        Func<object, object>? wrap = descriptor.ServiceType switch
        {
            var t when t == typeof(ILogitsProcessorFactory) => o => new GuardedLogitsProcessorFactory((ILogitsProcessorFactory)o, plugin),
            var t when t == typeof(ISearchStrategy) => o => new GuardedSearchStrategy((ISearchStrategy)o, plugin),
            var t when t == typeof(IStoppingCriterionFactory) => o => new GuardedStoppingCriterionFactory((IStoppingCriterionFactory)o, plugin),
            _ => null,
        };
        if (wrap is null || descriptor.IsKeyedService)
        {
            return descriptor;
        }

        if (descriptor.ImplementationInstance is { } instance)
        {
            return new ServiceDescriptor(descriptor.ServiceType, wrap(instance));
        }

        var implementationType = descriptor.ImplementationType;
        Func<IServiceProvider, object> create = descriptor.ImplementationFactory ?? (sp => ActivatorUtilities.CreateInstance(sp, implementationType!));
        return new ServiceDescriptor(descriptor.ServiceType, sp => wrap(CreateNamingPlugin(create, sp, descriptor.ServiceType, plugin)), descriptor.Lifetime);
    }

    // A plugin's component is created when the host first resolves it; a failure then names the plugin instead of ending
    // start-up with an anonymous exception from the container.
    private static object CreateNamingPlugin(Func<IServiceProvider, object> create, IServiceProvider services, Type serviceType, string plugin)
    {
        try
        {
            return create(services);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !PluginFault.PassesThrough(ex))
        {
            throw new InvalidOperationException($"plugin {plugin}: creating its {serviceType.Name} failed: {ex.GetType().Name}: {ex.Message}", ex);
        }
    }

    private static readonly HashSet<Type> HostOnlyServices = [typeof(Tokenization.ITokenizer), typeof(ICausalLanguageModel), typeof(ITextGenerator)];

    /// <summary>A plugin's component could not be created while the loader learned its name.</summary>
    private sealed class PluginFactoryException(string message, Exception inner) : Exception(message, inner);

    private static string VersionOf(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return informational?.Split('+')[0] ?? assembly.GetName().Version?.ToString() ?? "unknown";
    }

    private static string DescribeLoadFailure(Exception ex) => ex switch
    {
        BadImageFormatException => $"not a valid .NET assembly ({ex.Message})",
        _ when MissingDependency(ex) is { } missing => missing,
        ReflectionTypeLoadException load => $"its types cannot be loaded ({load.LoaderExceptions.FirstOrDefault(e => e is not null)?.Message ?? load.Message})",
        _ => $"it cannot be loaded ({ex.GetType().Name}: {ex.Message})",
    };

    private static string DescribeRegistrationFailure(Exception ex)
    {
        var inner = ex is TargetInvocationException { InnerException: { } cause } ? cause : ex;
        return MissingDependency(inner) ?? inner switch
        {
            MissingMethodException => $"the plugin type needs a public parameterless constructor ({inner.Message})",
            _ => $"Register threw {inner.GetType().Name}: {inner.Message}",
        };
    }

    private static string? MissingDependency(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case FileNotFoundException notFound:
                    return $"missing dependency '{notFound.FileName ?? notFound.Message}' (it is not in the plugin folder or its .deps.json)";
                case FileLoadException load:
                    return $"dependency '{load.FileName ?? load.Message}' cannot be loaded ({load.Message})";
                case ReflectionTypeLoadException typeLoad when typeLoad.LoaderExceptions.FirstOrDefault(e => MissingDependency(e) is not null) is { } first:
                    return MissingDependency(first);
            }
        }

        return null;
    }
}
