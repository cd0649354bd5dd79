namespace Gpt2Kit.Hub;

/// <summary>The model name <c>demo</c>: the small trained checkpoint the repository carries in <c>models/gpt2-stories</c>
/// (a toy GPT-2 trained on synthetic children's stories), so that something speaks English without network access.
/// <see cref="HuggingFaceModelResolver"/> (and so <see cref="ModelLocation"/>, <c>Gpt2Kit:Model</c> and every <c>--model</c>)
/// turns the name into the folder before anything else: <c>demo</c> always means this checkpoint; write <c>./demo</c> for a
/// folder of that name.</summary>
/// <remarks>
/// <para>The folder is looked for, in this order:</para>
/// <list type="number">
/// <item><c>models/gpt2-stories</c> in the application's folder (<see cref="AppContext.BaseDirectory"/>): the <c>gpt2kit</c>
/// CLI copies the checkpoint into its build and publish output, so a published or installed CLI finds it there;</item>
/// <item><c>models/gpt2-stories</c> in the current folder or the nearest folder above it that has one (a clone of the
/// repository: samples, tests, <c>dotnet run</c>);</item>
/// <item>the same search upwards from the application's folder.</item>
/// </list>
/// <para>Stateless; thread-safe.</para>
/// </remarks>
public static class DemoModel
{
    /// <summary>The model name that means the demo checkpoint.</summary>
    public const string Name = "demo";

    /// <summary>Where the checkpoint lives, relative to the repository root and to the CLI's output folder.</summary>
    public const string RelativePath = "models/gpt2-stories";

    /// <summary>What error messages suggest when a model cannot be found or downloaded.</summary>
    public const string Suggestion = "for a model that works offline, try the demo checkpoint (--model demo)";

    /// <summary>Whether <paramref name="value"/> is the name <see cref="Name"/> (exactly, ignoring surrounding spaces).</summary>
    public static bool IsName(string? value) => string.Equals(value?.Trim(), Name, StringComparison.Ordinal);

    /// <summary>The demo checkpoint's folder, or null when none of the places in the remarks holds it.</summary>
    public static string? TryFind()
    {
        string direct = Path.Combine(AppContext.BaseDirectory, RelativePath);
        if (IsCheckpoint(direct))
        {
            return Path.GetFullPath(direct);
        }

        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, RelativePath);
                if (IsCheckpoint(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        return null;
    }

    /// <summary>The demo checkpoint's folder.</summary>
    /// <exception cref="DirectoryNotFoundException">No place in the remarks holds it; the message lists where it looked.</exception>
    public static string Find() => TryFind() ?? throw new DirectoryNotFoundException(
        $"'{Name}' is the demo checkpoint {RelativePath}, but it is neither next to the application " +
        $"({Path.Combine(AppContext.BaseDirectory, RelativePath)}) nor in a folder above {Directory.GetCurrentDirectory()}. " +
        $"Run from a clone of the Gpt2Kit repository, copy {RelativePath} next to the application, or pass its folder.");

    private static bool IsCheckpoint(string folder) => File.Exists(Path.Combine(folder, "config.json"));
}
