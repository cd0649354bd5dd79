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

    /// <inheritdoc/>
    public ICausalLanguageModel Load(string location, ModelLoadOptions? options = null) => Gpt2Model.FromPretrained(location, options);

    /// <summary>The folder's vocabulary (<c>vocab.json</c> + <c>merges.txt</c>, …), or the embedded GPT-2 one when the folder has none.</summary>
    public ITokenizer LoadTokenizer(string location) => Gpt2Tokenizer.FromFolderOrDefault(location);
}
