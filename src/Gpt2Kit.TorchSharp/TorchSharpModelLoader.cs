using Gpt2Kit.Gpt2;
using Gpt2Kit.Models;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.TorchSharp;

/// <summary>The <c>"torchsharp"</c> backend: loads the same GPT-2 folders as the managed <c>"gpt2"</c> backend onto libtorch
/// (<see cref="TorchSharpGpt2Model"/>), on the device and in the dtype of its <see cref="TorchSharpOptions"/>, which
/// <see cref="ModelLoadOptions.Device"/> and <see cref="ModelLoadOptions.DType"/> override.</summary>
/// <remarks>Thread-safe: the options are copied at construction.</remarks>
public sealed class TorchSharpModelLoader : IModelLoader
{
    /// <summary>The backend's registered name.</summary>
    public const string BackendName = "torchsharp";

    private static readonly Gpt2ModelLoader Folders = new();
    private readonly TorchSharpOptions _options;

    /// <summary>Creates the loader with default options (<c>auto</c> device, fp32).</summary>
    public TorchSharpModelLoader()
        : this(new TorchSharpOptions())
    {
    }

    /// <summary>Creates the loader with <paramref name="options"/> as the defaults of every load.</summary>
    public TorchSharpModelLoader(TorchSharpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = new TorchSharpOptions { Device = options.Device, DType = options.DType };
    }

    /// <inheritdoc/>
    public string Name => BackendName;

    /// <summary>Whether <paramref name="location"/> holds a GPT-2 checkpoint (the same test as the managed backend's).</summary>
    public bool CanLoad(string location) => Folders.CanLoad(location);

    /// <inheritdoc/>
    public ICausalLanguageModel Load(string location, ModelLoadOptions? options = null) =>
        TorchSharpGpt2Model.FromPretrained(location, _options, options);

    /// <summary>The folder's vocabulary, or the embedded GPT-2 one when the folder has none.</summary>
    public ITokenizer LoadTokenizer(string location) => Folders.LoadTokenizer(location);
}
