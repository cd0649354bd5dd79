using Gpt2Kit.Testing;

namespace Gpt2Kit.Tests.Plugins;

/// <summary>A temporary plugins folder filled with the build output of plugin projects, laid out as a host expects
/// (one subfolder per plugin).</summary>
public sealed class PluginFolder : IDisposable
{
    public const string Xtc = "Gpt2Kit.Plugins.Xtc";
    public const string Mirostat = "Gpt2Kit.Plugins.Mirostat";
    public const string LegacyJson = "Gpt2Kit.Plugins.LegacyJson";
    public const string Faulty = "Gpt2Kit.Tests.FaultyPlugins";

    public PluginFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"gpt2kit-plugins-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A folder with the three shipped plugins.</summary>
    public static PluginFolder WithShippedPlugins() => new PluginFolder().Add(Xtc).Add(Mirostat).Add(LegacyJson);

    /// <summary>Copies a plugin project's build output into <c>&lt;folder&gt;/&lt;project&gt;</c>.</summary>
    public PluginFolder Add(string project)
    {
        var source = BuildOutput(project);
        var target = System.IO.Path.Combine(Path, project);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, System.IO.Path.Combine(target, System.IO.Path.GetFileName(file)));
        }

        return this;
    }

    /// <summary>The build output folder of a plugin project, in the configuration and framework the tests were built with.</summary>
    public static string BuildOutput(string project)
    {
        // The tests run from bin/<configuration>/<framework>; the plugin projects were built into the same layout.
        var framework = new DirectoryInfo(AppContext.BaseDirectory);
        var outputSuffix = System.IO.Path.Combine("bin", framework.Parent!.Name, framework.Name);
        var projectFolder = project == Faulty
            ? System.IO.Path.Combine(FixturePaths.RepositoryRoot, "tests", "Gpt2Kit.Tests", "Plugins", "FaultyPlugins", "Plugin")
            : System.IO.Path.Combine(FixturePaths.RepositoryRoot, "plugins", project);
        var output = System.IO.Path.GetFullPath(System.IO.Path.Combine(projectFolder, outputSuffix));
        return File.Exists(System.IO.Path.Combine(output, project + ".dll"))
            ? output
            : throw new InvalidOperationException($"The build output of {project} was not found in '{output}'; the test project builds it first (see its ProjectReference items).");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            // Loaded plugin assemblies stay mapped on some platforms; the temp folder is cleaned up by the OS.
        }
        catch (IOException)
        {
        }
    }
}
