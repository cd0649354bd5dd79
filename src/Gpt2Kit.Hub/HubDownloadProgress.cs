namespace Gpt2Kit.Hub;

/// <summary>Progress of one file of a model download.</summary>
/// <param name="FileName">The file in the repository (<c>model.safetensors</c>).</param>
/// <param name="BytesTransferred">Bytes of the file on disk so far (a resumed download starts at what was already there).</param>
/// <param name="TotalBytes">The file's size when the server announced it.</param>
/// <param name="IsComplete">The file is fully downloaded and verified, or was already in the cache.</param>
/// <remarks>Immutable; thread-safe.</remarks>
public readonly record struct HubDownloadProgress(string FileName, long BytesTransferred, long? TotalBytes, bool IsComplete);
