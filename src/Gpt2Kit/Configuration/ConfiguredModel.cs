using Gpt2Kit.Models;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Configuration;

/// <summary>The model named by <c>Gpt2Kit:Model</c> (a folder or a Hugging Face name), loaded by the backend its
/// <c>Backend</c> names or else the first registered <see cref="IModelLoader"/> that can read it, on its <c>Device</c> and
/// in its <c>DType</c>. The location is resolved once, by the registered <see cref="IModelResolver"/> (Gpt2Kit.Hub's resolves
/// Hugging Face names, downloading if need be), else as a folder (<see cref="FolderModelResolver"/>).
/// It is the fallback of the generator: a model or tokenizer registered in code wins, and then nothing is loaded here.</summary>
/// <remarks>Thread-safe: each part is loaded lazily, once. Disposing it disposes the model it loaded.</remarks>
internal sealed class ConfiguredModel : IDisposable
{
    private readonly Lazy<(IModelLoader Loader, string Folder)> _source;
    private readonly Lazy<ICausalLanguageModel> _model;
    private readonly Lazy<ITokenizer> _tokenizer;

    public ConfiguredModel(ModelSettings settings, string settingPath, IEnumerable<IModelLoader> loaders, IModelResolver? resolver)
    {
        var candidates = loaders.ToList();
        var locations = resolver ?? FolderModelResolver.Instance;
        _source = new Lazy<(IModelLoader, string)>(() => Find(settings, settingPath, candidates, locations));
        _model = new Lazy<ICausalLanguageModel>(() => Load(settings, settingPath, _source.Value.Loader, _source.Value.Folder));
        _tokenizer = new Lazy<ITokenizer>(() => _source.Value.Loader.LoadTokenizer(_source.Value.Folder)
            ?? throw new ModelLoadException($"{settingPath}: the '{_source.Value.Loader.Name}' backend has no tokenizer for '{_source.Value.Folder}'; register an ITokenizer."));
    }

    public ICausalLanguageModel Model => _model.Value;

    public ITokenizer Tokenizer => _tokenizer.Value;

    public void Dispose()
    {
        if (_model.IsValueCreated)
        {
            _model.Value.Dispose();
        }
    }

    private static ICausalLanguageModel Load(ModelSettings settings, string settingPath, IModelLoader loader, string folder)
    {
        try
        {
            return loader.Load(folder, new ModelLoadOptions { Device = settings.Device, DType = settings.DType });
        }
        catch (ModelLoadException e)
        {
            throw new ModelLoadException($"{settingPath} ({loader.Name} backend): {e.Message}", e);
        }
    }

    private static (IModelLoader, string) Find(ModelSettings settings, string settingPath, List<IModelLoader> loaders, IModelResolver resolver)
    {
        string value = settings.Location;
        if (loaders.Count == 0)
        {
            throw new ModelLoadException(
                $"{settingPath}: '{value}' is set but no model backend is registered; add one (for GPT-2: builder.AddGpt2Backend()).");
        }

        string folder;
        try
        {
            folder = resolver.ResolveAsync(value).GetAwaiter().GetResult();
        }
        catch (IOException e)
        {
            throw new ModelLoadException($"{settingPath}: {e.Message}", e);
        }

        if (settings.Backend is { } name)
        {
            var named = loaders.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new ModelLoadException(
                    $"{settingPath}:Backend: '{name}' is not a registered backend (registered: {string.Join(", ", loaders.Select(l => l.Name))}); " +
                    "register it in code, e.g. builder.AddTorchSharpBackend() for torchsharp.");
            return (named, folder);
        }

        var loader = loaders.FirstOrDefault(l => l.CanLoad(folder))
            ?? throw new ModelLoadException(
                $"{settingPath}: no registered backend can load '{folder}' (registered: {string.Join(", ", loaders.Select(l => l.Name))}).");
        return (loader, folder);
    }
}
