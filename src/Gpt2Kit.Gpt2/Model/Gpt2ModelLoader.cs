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
    /// <exception cref="InvalidDataException">A tokenizer file is malformed, or the vocabulary has more ids than the model's <c>vocab_size</c>.</exception>
    public ITokenizer LoadTokenizer(string location) => LoadCheckpointTokenizer(location);

    /// <summary>The tokenizer of a checkpoint folder, checked against its <c>config.json</c>: a vocabulary with more ids than
    /// the model has rows would produce ids the model cannot embed, so it is refused at load rather than mid-request.</summary>
    internal static Gpt2Tokenizer LoadCheckpointTokenizer(string folder)
    {
        var tokenizer = Gpt2Tokenizer.FromFolderOrDefault(folder);
        if (!File.Exists(Path.Combine(folder, Gpt2Config.FileName)))
        {
            return tokenizer;
        }

        int modelVocabulary = Gpt2Config.Load(folder).VocabSize;
        if (tokenizer.VocabSize > modelVocabulary)
        {
            throw new InvalidDataException(
                $"{folder}: the tokenizer defines {tokenizer.VocabSize} ids (0..{tokenizer.VocabSize - 1}), but {Gpt2Config.FileName} has vocab_size {modelVocabulary}; the tokenizer files do not belong to this checkpoint.");
        }

        return tokenizer;
    }
}
