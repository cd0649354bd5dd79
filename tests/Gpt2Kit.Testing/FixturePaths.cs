namespace Gpt2Kit.Testing;

/// <summary>Finds the repository's <c>tests/fixtures</c> folder from any test output directory.</summary>
public static class FixturePaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    /// <summary>The absolute path of <c>tests/fixtures</c>.</summary>
    public static string Root => RootLazy.Value;

    /// <summary>The repository root (the folder that holds <c>Gpt2Kit.sln</c>).</summary>
    public static string RepositoryRoot => Path.GetFullPath(Path.Combine(Root, "..", ".."));

    /// <summary>A file or folder inside the fixtures folder.</summary>
    public static string Get(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The checkpoint name <c>demo.json</c> uses for the trained demo checkpoint.</summary>
    public const string DemoCheckpoint = "demo";

    /// <summary>The folder of a reference checkpoint: <c>gpt2-tiny</c> and <c>gpt2-tiny-f16</c> in the fixtures folder,
    /// <c>demo</c> in the repository's <c>models/gpt2-stories</c>.</summary>
    public static string Checkpoint(string name) =>
        name == DemoCheckpoint ? Path.Combine(RepositoryRoot, "models", "gpt2-stories") : Get(name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures");
            if (File.Exists(Path.Combine(candidate, "generate.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"tests/fixtures was not found above '{AppContext.BaseDirectory}'.");
    }
}
