using System.Reflection;
using System.Runtime.Loader;

namespace Gpt2Kit.Plugins;

/// <summary>The load context of one plugin: its own dependencies come from its folder (by its <c>.deps.json</c>), so two
/// plugins may use different versions of a library; the contracts (<c>Gpt2Kit.Abstractions</c>) and
/// <c>Microsoft.Extensions.*</c> come from the host, so the plugin's <c>IGpt2KitPlugin</c> is the host's type.</summary>
/// <remarks>Not collectible: plugin types end up in the host's service provider, so they live as long as the process.</remarks>
internal sealed class PluginLoadContext(string mainAssemblyPath)
    : AssemblyLoadContext($"Gpt2Kit plugin {Path.GetFileNameWithoutExtension(mainAssemblyPath)}", isCollectible: false)
{
    private readonly AssemblyDependencyResolver _resolver = new(mainAssemblyPath);

    /// <summary>Whether an assembly must be the host's copy for the plugin and the host to agree on types.</summary>
    public static bool IsShared(AssemblyName name) =>
        name.Name is { } simple
        && (simple.Equals("Gpt2Kit.Abstractions", StringComparison.OrdinalIgnoreCase)
            || simple.StartsWith("Microsoft.Extensions.", StringComparison.OrdinalIgnoreCase));

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (IsShared(assemblyName))
        {
            // The host's copy when it has one; a Microsoft.Extensions package the host lacks comes from the plugin folder.
            try
            {
                return Default.LoadFromAssemblyName(assemblyName);
            }
            catch (FileNotFoundException) when (!assemblyName.Name!.Equals("Gpt2Kit.Abstractions", StringComparison.OrdinalIgnoreCase))
            {
            }
        }

        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
