namespace Gpt2Kit.Models;

/// <summary>Turns a model location as written in configuration (<c>Gpt2Kit:Model</c>) into the local folder a backend
/// (<see cref="IModelLoader"/>) loads: a folder as is, or a name the resolver knows, fetched first if need be. Gpt2Kit.Hub's
/// resolver knows Hugging Face model names (<c>gpt2</c>, <c>org/name@revision</c>, through the Hugging Face cache) and
/// <c>demo</c>; <c>AddGpt2Backend()</c> registers it. Without a registered resolver the host takes existing folders only.</summary>
/// <remarks>Implementations must be thread-safe: one instance serves every lookup.</remarks>
public interface IModelResolver
{
    /// <summary>The absolute path of the folder that <paramref name="location"/> names.</summary>
    /// <param name="location">A folder or a name; not empty.</param>
    /// <param name="cancellationToken">Stops a download or other long lookup.</param>
    /// <exception cref="IOException">The location cannot be resolved (a <see cref="DirectoryNotFoundException"/> when it names
    /// nothing the resolver knows); the message says why and what to pass instead.</exception>
    Task<string> ResolveAsync(string location, CancellationToken cancellationToken = default);
}
