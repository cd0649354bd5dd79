using Gpt2Kit.Hub;

/// <summary>Where the samples find the model they run: the folder or Hugging Face name given on the command line, or else
/// the repository's tiny random-weight checkpoint (it makes no sense as text, but it runs offline in a second).</summary>
/// <remarks>Stateless; thread-safe. Compiled into every sample program by samples/Directory.Build.targets.</remarks>
internal static class SampleModel
{
    private const string TinyCheckpointPath = "tests/fixtures/gpt2-tiny";

    /// <summary>The model folder: <paramref name="argument"/> (a folder, or a Hugging Face name such as <c>gpt2</c> that is
    /// downloaded into the cache on first use), or the tiny checkpoint when there is none.</summary>
    public static string Resolve(string? argument) => ModelLocation.Resolve(argument ?? TinyCheckpoint());

    /// <summary>The repository's <c>tests/fixtures/gpt2-tiny</c> folder.</summary>
    public static string TinyCheckpoint() => FindAbove(TinyCheckpointPath)
        ?? throw new DirectoryNotFoundException($"{TinyCheckpointPath} was not found; pass a model folder or a Hugging Face name such as gpt2.");

    /// <summary>A folder given relative to the repository, looked up from the current folder upwards and then from the
    /// sample's output folder upwards (so both <c>dotnet run</c> and the built program find it); null when neither has it.</summary>
    public static string? FindAbove(string relativePath)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, relativePath);
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
