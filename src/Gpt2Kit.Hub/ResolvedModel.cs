namespace Gpt2Kit.Hub;

/// <summary>A model location turned into a local folder.</summary>
/// <param name="Path">The folder holding <c>config.json</c>, the weights and the tokenizer files.</param>
/// <param name="Name">A display name: the hub name (<c>openai-community/gpt2</c>) or the folder as given.</param>
/// <param name="Source">Where the folder came from.</param>
/// <param name="Commit">For hub models, the commit whose snapshot <paramref name="Path"/> is.</param>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record ResolvedModel(string Path, string Name, ModelSource Source, string? Commit = null);

/// <summary>Where a resolved model folder came from.</summary>
public enum ModelSource
{
    /// <summary>An existing folder, used as is.</summary>
    Folder,

    /// <summary>A snapshot already in the Hugging Face cache; no request was made.</summary>
    Cache,

    /// <summary>A snapshot downloaded (or completed) by this call.</summary>
    Download,
}
