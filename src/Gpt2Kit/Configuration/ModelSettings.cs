namespace Gpt2Kit.Configuration;

/// <summary>The model named in configuration (<c>Gpt2Kit:Model</c>) and how to load it.</summary>
/// <param name="Location">A folder or a Hugging Face name.</param>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record ModelSettings(string Location)
{
    /// <summary>The backend's registered name (<c>gpt2</c>, <c>torchsharp</c>, a plugin's); null for the first that can load the folder.</summary>
    public string? Backend { get; init; }

    /// <summary>The device (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>, <c>auto</c>); null for the backend's default.</summary>
    public string? Device { get; init; }

    /// <summary>The compute dtype (<c>f32</c>, <c>bf16</c>, <c>f16</c>); null for the backend's default.</summary>
    public string? DType { get; init; }
}
