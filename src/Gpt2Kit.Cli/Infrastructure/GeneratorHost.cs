using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Models;
using Gpt2Kit.Plugins;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Cli.Infrastructure;

/// <summary>Builds the generator the generation commands share from <c>--model DIR|NAME</c>: the checkpoint, its tokenizer
/// (the folder's vocab.json/merges.txt, else the embedded GPT-2 vocabulary) and the Gpt2Kit services; the generator applies
/// the folder's <c>generation_config.json</c> as the model's defaults (Hugging Face's overlay: defaults, then the model's
/// generation config, then the request).</summary>
internal sealed class GeneratorHost : IDisposable
{
    private readonly ServiceProvider _services;

    private GeneratorHost(ServiceProvider services, ICausalLanguageModel model, ITokenizer tokenizer)
    {
        _services = services;
        Model = model;
        Tokenizer = tokenizer;
        Generator = (TextGenerator)services.GetRequiredService<ITextGenerator>();
    }

    public ICausalLanguageModel Model { get; }

    public ITokenizer Tokenizer { get; }

    public TextGenerator Generator { get; }

    /// <summary>A copy of the generator's default options (with the model's generation_config.json), to overlay the
    /// command's settings on.</summary>
    public GenerationOptions Defaults => Generator.DefaultOptions;

    /// <summary>Loads the model <paramref name="modelLocation"/> (a folder, or a Hugging Face name resolved through the cache and
    /// downloaded when missing, with progress on stderr; see <see cref="Hub.ModelLocation"/>), with loading progress on a
    /// terminal's stderr for a big checkpoint unless <paramref name="json"/> (<see cref="ModelLoadProgress"/>), and the plugins
    /// of <paramref name="pluginFolders"/> (a plugin that fails to load is left out with one warning line on stderr).</summary>
    /// <exception cref="CliException">The model cannot be found or downloaded, or a plugins folder does not exist.</exception>
    public static async Task<GeneratorHost> LoadAsync(CliContext context, string? modelLocation, IReadOnlyList<string>? pluginFolders = null,
        bool json = false, string? dtype = null, CancellationToken cancellationToken = default)
    {
        string modelFolder = await Commands.DownloadCommand.ResolveModelAsync(context, modelLocation, cancellationToken);

        var services = new ServiceCollection();
        var loadProgress = new ModelLoadProgress();
        var builder = services.AddGpt2Kit().AddGpt2Model(modelFolder, options =>
        {
            options.Progress = loadProgress;
            options.DType = dtype;
        });
        PluginLoadReport? plugins = null;
        foreach (var folder in pluginFolders ?? [])
        {
            try
            {
                plugins = PluginLoader.LoadFrom(builder, folder);
            }
            catch (DirectoryNotFoundException e)
            {
                throw new CliException($"--plugins: {e.Message}");
            }
        }

        foreach (var failure in plugins?.Failures ?? [])
        {
            context.Error.WriteLine($"warning: plugin {failure} (left out)");
        }

        var provider = services.BuildServiceProvider();
        try
        {
            // The model loads on its first resolution: here, under the progress display.
            var model = loadProgress.Run(context, modelFolder, json, provider.GetRequiredService<ICausalLanguageModel>);
            return new GeneratorHost(provider, model, provider.GetRequiredService<ITokenizer>());
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    public void Dispose() => _services.Dispose();
}
