using Gpt2Kit.Models;

namespace Gpt2Kit.Configuration;

/// <summary>The host's resolver when none is registered: an existing folder as is. Names (Hugging Face models, <c>demo</c>)
/// need a registered <see cref="IModelResolver"/>, and the error says so; the host itself never touches the network.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal sealed class FolderModelResolver : IModelResolver
{
    public static readonly FolderModelResolver Instance = new();

    public Task<string> ResolveAsync(string location, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        return Directory.Exists(location)
            ? Task.FromResult(Path.GetFullPath(location))
            : Task.FromException<string>(new DirectoryNotFoundException(
                $"'{location}' is not an existing folder, and no IModelResolver is registered to look up model names " +
                "(Hugging Face names such as gpt2, or demo): register one, e.g. builder.AddHuggingFaceHub() from Gpt2Kit.Hub " +
                "(AddGpt2Backend() registers it too)."));
    }
}
