using System.Reflection;
using System.Text.Json;
using Gpt2Kit.Plugins;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using LoaderOfMcMaster = McMaster.NETCore.Plugins.PluginLoader;

namespace Gpt2Kit.Server.Plugins;

/// <summary>Loads one version of a plugin into its own collectible McMaster.NETCore.Plugins load context, read into memory
/// (so a rebuild can overwrite the files), with every dependency its <c>.deps.json</c> lists loaded up front: a version
/// that loaded keeps working even when later files in its folder change. Dependencies are checked to exist before any
/// context is made, and a context in which a load failed is never unloaded — unloading such a context is what crashed
/// hosts in DotNetCorePlugins #222.</summary>
/// <remarks>Not thread-safe; one instance per reload.</remarks>
internal sealed class PluginVersionLoader
{
    // The contracts and Microsoft.Extensions.* come from the host, as in the library's own plugin load context.
    private static readonly Type[] SharedTypes = [typeof(IGpt2KitPlugin), typeof(IServiceCollection), typeof(IConfiguration)];

    /// <summary>Contexts of versions that loaded; they are unloaded when their generation retires.</summary>
    public List<LoaderOfMcMaster> Loaded { get; } = [];

    /// <summary>The context each loaded main assembly (by path) lives in.</summary>
    public Dictionary<string, LoaderOfMcMaster> ByPath { get; } = new(StringComparer.Ordinal);

    /// <summary>Loads the main assembly at <paramref name="path"/> and its dependencies.</summary>
    /// <exception cref="FileNotFoundException">A dependency in the .deps.json is missing from the folder.</exception>
    public Assembly Load(string path)
    {
        var dependencies = RuntimeDependencies(path);
        var folder = Path.GetDirectoryName(path)!;
        foreach (var dependency in dependencies)
        {
            if (!File.Exists(Path.Combine(folder, dependency)))
            {
                throw new FileNotFoundException($"{dependency} is listed in {Path.GetFileName(path)[..^4]}.deps.json but is not in {folder}", dependency);
            }
        }

        var loader = LoaderOfMcMaster.CreateFromAssemblyFile(path, isUnloadable: true, SharedTypes, config =>
        {
            config.LoadInMemory = true;
            config.PreferSharedTypes = false;
        });
        var assembly = loader.LoadDefaultAssembly();
        foreach (var dependency in dependencies)
        {
            loader.LoadAssembly(Path.GetFileNameWithoutExtension(dependency));
        }

        // Only a version whose loads all succeeded is ever unloaded (see the class remarks).
        Loaded.Add(loader);
        ByPath[path] = loader;
        return assembly;
    }

    // The runtime assemblies of the plugin's own dependencies (not the main assembly, not the host-shared ones).
    private static List<string> RuntimeDependencies(string path)
    {
        var deps = path[..^".dll".Length] + ".deps.json";
        var files = new List<string>();
        if (!File.Exists(deps))
        {
            return files;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(deps));
        if (!document.RootElement.TryGetProperty("targets", out var targets))
        {
            return files;
        }

        foreach (var target in targets.EnumerateObject())
        {
            foreach (var library in target.Value.EnumerateObject())
            {
                if (!library.Value.TryGetProperty("runtime", out var runtime))
                {
                    continue;
                }

                foreach (var file in runtime.EnumerateObject())
                {
                    var name = Path.GetFileName(file.Name);
                    if (name.Equals(Path.GetFileName(path), StringComparison.OrdinalIgnoreCase)
                        || PluginLoadContext.IsShared(new AssemblyName(Path.GetFileNameWithoutExtension(name)))
                        || files.Contains(name, StringComparer.OrdinalIgnoreCase))
                    {
                        continue;
                    }

                    files.Add(name);
                }
            }
        }

        return files;
    }
}
