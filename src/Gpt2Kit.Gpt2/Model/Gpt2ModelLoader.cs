using System.Text.Json;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Models;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Gpt2;

/// <summary>The <c>"gpt2"</c> backend: loads folders whose <c>config.json</c> says <c>"model_type": "gpt2"</c> into a <see cref="Gpt2Model"/>.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class Gpt2ModelLoader : IModelLoader
{
    /// <summary>The backend's registered name.</summary>
    public const string BackendName = "gpt2";

    /// <inheritdoc/>
    public string Name => BackendName;

    /// <inheritdoc/>
    public bool CanLoad(string location)
    {
        if (string.IsNullOrEmpty(location))
        {
            return false;
        }

        string path = Path.Combine(location, Gpt2Config.FileName);
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("model_type", out var type)
                && type.ValueKind == JsonValueKind.String
                && type.GetString() == "gpt2";
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Loads the checkpoint with <see cref="Gpt2Model.FromPretrained"/>. This backend runs on the CPU in fp32:
    /// a <see cref="ModelLoadOptions.Device"/> other than <c>cpu</c>/<c>auto</c>, or a <see cref="ModelLoadOptions.DType"/>
    /// other than <c>f32</c>, is refused rather than ignored.</summary>
    /// <exception cref="ModelLoadException">A file is malformed, or the device or dtype is one this backend does not run.</exception>
    public ICausalLanguageModel Load(string location, ModelLoadOptions? options = null)
    {
        if (options?.Device is { } device && !string.IsNullOrWhiteSpace(device) && device.Trim().ToLowerInvariant() is not ("cpu" or "auto"))
        {
            throw new ModelLoadException($"device '{device}': the {BackendName} backend runs on the CPU only (cpu or auto); for CUDA use the torchsharp backend.");
        }

        if (options?.DType is { } dtype && !string.IsNullOrWhiteSpace(dtype) && dtype.Trim().ToLowerInvariant() is not ("f32" or "fp32" or "float32"))
        {
            throw new ModelLoadException($"dtype '{dtype}': the {BackendName} backend computes in f32.");
        }

        return Gpt2Model.FromPretrained(location, options);
    }

    /// <summary>The folder's vocabulary (<c>vocab.json</c> + <c>merges.txt</c>, …), or the embedded GPT-2 one when the folder has none.</summary>
    public ITokenizer LoadTokenizer(string location) => Gpt2Tokenizer.FromFolderOrDefault(location);
}
