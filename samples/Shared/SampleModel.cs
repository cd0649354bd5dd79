using Gpt2Kit.Hub;

/// <summary>Where the samples find the model they run: the folder or Hugging Face name given on the command line; else a
/// real <c>gpt2</c> when the Hugging Face cache already holds it; else the repository's demo checkpoint
/// (<c>models/gpt2-stories</c>, the model name <c>demo</c>): a toy trained on simple children's stories that runs offline
/// in a second. The samples' prompts ("Once upon a time", "One day, Lily found a", …) come from that world.</summary>
/// <remarks>Stateless; thread-safe. Compiled into every sample program by samples/Directory.Build.targets.</remarks>
internal static class SampleModel
{
    /// <summary>The model folder: <paramref name="argument"/> (a folder, <c>demo</c>, or a Hugging Face name such as
    /// <c>gpt2</c> that is downloaded into the cache on first use), or <see cref="DefaultName"/> when there is none.</summary>
    public static string Resolve(string? argument)
    {
        string name = argument ?? DefaultName();
        string folder = ModelLocation.Resolve(name);
        Console.Error.WriteLine($"(model: {name}{(DemoModel.IsName(name) ? ", a toy that only knows children's stories; pass gpt2 for real text" : "")})");
        return folder;
    }

    /// <summary><c>gpt2</c> when its snapshot is complete in the Hugging Face cache (no request is made), else <c>demo</c>.</summary>
    public static string DefaultName() =>
        new HuggingFaceModelResolver().TryGetCached(HubModelReference.Parse(ModelLocation.DefaultModel)) is null
            ? DemoModel.Name
            : ModelLocation.DefaultModel;

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
