using Gpt2Kit.Cli.Commands;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Models;

namespace Gpt2Kit.Cli.Infrastructure;

/// <summary>How the commands that work on a bare checkpoint (<c>info</c>, <c>logits</c>, <c>bench</c>) open <c>--model</c>: a
/// folder or a Hugging Face name, resolved as <c>generate</c> does, loaded with progress on a terminal for a big checkpoint.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class CheckpointLoader
{
    /// <summary>The folder of <paramref name="model"/> (see <see cref="DownloadCommand.ResolveModelAsync"/>).</summary>
    /// <exception cref="CliException">Neither a folder nor a model that can be found or downloaded.</exception>
    public static Task<string> ResolveAsync(CliContext context, string? model, CancellationToken cancellationToken) =>
        DownloadCommand.ResolveModelAsync(context, model, cancellationToken);

    /// <summary>Loads the checkpoint in <paramref name="folder"/>, showing <see cref="ModelLoadProgress"/> unless <paramref name="json"/>.</summary>
    /// <exception cref="ModelLoadException">A file is missing or malformed.</exception>
    public static Gpt2Model Load(CliContext context, string folder, int? threads, bool json, string? dtype = null)
    {
        var progress = new ModelLoadProgress();
        return progress.Run(context, folder, json, () => Gpt2Model.FromPretrained(folder, new ModelLoadOptions { Threads = threads, DType = dtype, Progress = progress }));
    }
}
