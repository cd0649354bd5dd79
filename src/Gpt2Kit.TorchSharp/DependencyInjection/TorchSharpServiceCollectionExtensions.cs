using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Models;
using Gpt2Kit.Plugins;
using Gpt2Kit.Tokenization;
using Gpt2Kit.TorchSharp;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the TorchSharp (libtorch) backend on a Gpt2Kit builder.</summary>
/// <remarks>Used during start-up on one thread; not thread-safe.</remarks>
public static class TorchSharpServiceCollectionExtensions
{
    /// <summary>Registers the <c>"torchsharp"</c> backend as an <see cref="IModelLoader"/>, so that <c>Gpt2Kit:Model</c> with
    /// <c>"Backend": "torchsharp"</c> (and its <c>Device</c> and <c>DType</c>) loads with it, and, unless a resolver is
    /// registered already, Gpt2Kit.Hub's <see cref="IModelResolver"/> (<c>AddHuggingFaceHub()</c>), so that the model may
    /// be a Hugging Face name or <c>demo</c>. Calling it twice registers it once.</summary>
    /// <param name="builder">The Gpt2Kit builder.</param>
    /// <param name="configure">The defaults of every load (device <c>auto</c>, fp32 unless changed); configuration's
    /// <c>Device</c> and <c>DType</c> override them.</param>
    public static IGpt2KitBuilder AddTorchSharpBackend(this IGpt2KitBuilder builder, Action<TorchSharpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new TorchSharpOptions();
        configure?.Invoke(options);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelLoader>(new TorchSharpModelLoader(options)));
        return builder.AddHuggingFaceHub();
    }

    /// <summary>Registers <see cref="ICausalLanguageModel"/> as a singleton loaded from <paramref name="folder"/> with the
    /// TorchSharp backend on first use, the backend itself, and the folder's tokenizer unless one is registered already.</summary>
    /// <param name="builder">The Gpt2Kit builder.</param>
    /// <param name="folder">The checkpoint folder (config.json and safetensors).</param>
    /// <param name="configure">Device and dtype (default: <c>auto</c>, fp32).</param>
    public static IGpt2KitBuilder AddTorchSharpModel(this IGpt2KitBuilder builder, string folder, Action<TorchSharpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var options = new TorchSharpOptions();
        configure?.Invoke(options);
        builder.Services.AddSingleton<ICausalLanguageModel>(_ => TorchSharpGpt2Model.FromPretrained(folder, options));
        builder.AddTorchSharpBackend(configure);
        builder.Services.TryAddSingleton<ITokenizer>(_ => Gpt2Tokenizer.FromFolderOrDefault(folder));
        return builder;
    }
}
