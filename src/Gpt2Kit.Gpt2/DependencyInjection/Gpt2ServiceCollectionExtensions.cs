using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Models;
using Gpt2Kit.Plugins;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the GPT-2 family on a Gpt2Kit builder.</summary>
/// <remarks>Used during start-up on one thread; not thread-safe.</remarks>
public static class Gpt2ServiceCollectionExtensions
{
    /// <summary>Registers <see cref="ICausalLanguageModel"/> as a singleton loaded from <paramref name="folder"/> on first use
    /// (<see cref="Gpt2Model.FromPretrained"/>), the <see cref="Gpt2ModelLoader"/> backend as an <see cref="IModelLoader"/>, and the folder's
    /// tokenizer as <see cref="ITokenizer"/> unless one is registered already.</summary>
    /// <param name="builder">The Gpt2Kit builder.</param>
    /// <param name="folder">The checkpoint folder (config.json and safetensors).</param>
    /// <param name="configure">Sets threads or progress of the load.</param>
    public static IGpt2KitBuilder AddGpt2Model(this IGpt2KitBuilder builder, string folder, Action<ModelLoadOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var options = new ModelLoadOptions();
        configure?.Invoke(options);

        // The container disposes the model with itself; loading waits for the first resolution.
        builder.Services.AddSingleton<ICausalLanguageModel>(_ => Gpt2Model.FromPretrained(folder, options));
        builder.AddGpt2Backend();

        // The tokenizer that matches the checkpoint: the folder's vocabulary, else the embedded GPT-2 one.
        // TryAdd keeps a tokenizer the host registered itself.
        builder.Services.TryAddSingleton<ITokenizer>(_ => Gpt2ModelLoader.LoadCheckpointTokenizer(folder));
        return builder;
    }

    /// <summary>Registers the <see cref="Gpt2ModelLoader"/> backend, so that a model named in configuration
    /// (<c>Gpt2Kit:Model</c>) is loaded with it, and, unless a resolver is registered already, Gpt2Kit.Hub's
    /// <see cref="IModelResolver"/> (<c>AddHuggingFaceHub()</c>), so that the model may be a folder, <c>demo</c> or a
    /// Hugging Face name. Calling it twice registers them once.</summary>
    public static IGpt2KitBuilder AddGpt2Backend(this IGpt2KitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelLoader, Gpt2ModelLoader>());
        return builder.AddHuggingFaceHub();
    }
}
