namespace Gpt2Kit.Hub;

/// <summary>A model could not be resolved or downloaded from the Hugging Face Hub; the message names the model, the file
/// and what to do instead.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed class HuggingFaceHubException : IOException
{
    /// <summary>Creates the exception.</summary>
    public HuggingFaceHubException(string message, string? fileName = null, Exception? inner = null)
        : base(message, inner) => FileName = fileName;

    /// <summary>The repository file at fault, when there is one.</summary>
    public string? FileName { get; }
}
