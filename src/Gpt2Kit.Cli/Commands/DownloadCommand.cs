using System.CommandLine;
using System.Globalization;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Hub;
using Spectre.Console;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit download [NAME] [--revision R]</c>: puts a Hugging Face model into the Hugging Face cache (shared with
/// Python's tools) and prints the snapshot folder. Already-cached blobs are reused, a partial download resumes.</summary>
internal static class DownloadCommand
{
    internal static Command Create(CliContext context)
    {
        var name = new Argument<string>("name")
        {
            Description = "Hugging Face model name: name, org/name or org/name@revision.",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => ModelLocation.DefaultModel,
        };
        var revision = new Option<string?>("--revision") { Description = "Branch, tag or commit to download (default: main).", HelpName = "R" };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "Hugging Face cache folder (default: HF_HUB_CACHE, HF_HOME/hub or ~/.cache/huggingface/hub).", HelpName = "DIR" };
        var endpoint = new Option<string?>("--endpoint") { Description = "Hub server (default: HF_ENDPOINT or https://huggingface.co).", HelpName = "URL" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the folder path." };

        var command = new Command("download", "Download a model from the Hugging Face Hub into the local Hugging Face cache and print its folder.")
        {
            name, revision, cacheDir, endpoint, json,
        }.WithExamples(
            "gpt2kit download gpt2",
            "gpt2kit download openai-community/gpt2-medium --revision main --json");

        command.SetAction(async (parse, cancellationToken) =>
        {
            var reference = ParseReference(parse.GetValue(name) ?? ModelLocation.DefaultModel, parse.GetValue(revision));
            var options = HuggingFaceHubOptions.FromEnvironment();
            if (parse.GetValue(cacheDir) is { Length: > 0 } dir)
            {
                options.CacheDirectory = dir;
            }

            if (parse.GetValue(endpoint) is { Length: > 0 } url)
            {
                options.Endpoint = ParseEndpoint(url);
            }

            var resolver = new HuggingFaceModelResolver(options);
            var model = resolver.IsOffline
                ? resolver.TryGetCached(reference) ?? await resolver.DownloadAsync(reference, cancellationToken: cancellationToken)
                : await WithProgressAsync(context, progress => resolver.DownloadAsync(reference, progress, cancellationToken));

            if (parse.GetValue(json))
            {
                CliJson.Write(context.Out, new
                {
                    model = reference.RepoId,
                    revision = reference.Revision,
                    commit = model.Commit,
                    path = model.Path,
                    source = model.Source == ModelSource.Cache ? "cache" : "download",
                    cache_dir = resolver.CacheDirectory,
                    files = Directory.EnumerateFileSystemEntries(model.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray(),
                });
            }
            else
            {
                context.Out.WriteLine(model.Path);
            }

            return ExitCodes.Success;
        });

        return command;
    }

    /// <summary>What every <c>--model</c> option goes through (see <c>GeneratorHost.Load</c>): <c>demo</c> as the demo checkpoint
    /// (<see cref="DemoModel"/>), an existing folder as is, else a
    /// Hugging Face name through the cache, downloaded with progress on the context's stderr when missing; null or empty
    /// means <see cref="ModelLocation.DefaultModel"/>.</summary>
    /// <returns>The folder to load.</returns>
    /// <exception cref="CliException">Neither a folder nor a model that can be found or downloaded; the message names
    /// <c>--model</c>, the value and what to pass instead.</exception>
    internal static async Task<string> ResolveModelAsync(CliContext context, string? value, CancellationToken cancellationToken)
    {
        string model = string.IsNullOrWhiteSpace(value) ? ModelLocation.DefaultModel : value;
        try
        {
            var resolver = new HuggingFaceModelResolver(HuggingFaceHubOptions.FromEnvironment());
            bool mayDownload = !DemoModel.IsName(model) && !Directory.Exists(model) && HubModelReference.TryParse(model, out var reference) && resolver.TryGetCached(reference) is null;
            var resolved = mayDownload
                ? await WithProgressAsync(context, progress => resolver.ResolveAsync(model, progress, cancellationToken))
                : await resolver.ResolveAsync(model, cancellationToken: cancellationToken);
            return resolved.Path;
        }
        catch (Exception e) when (e is DirectoryNotFoundException or HuggingFaceHubException or ArgumentException)
        {
            throw new CliException($"--model: {e.Message}");
        }
    }

    /// <summary>Runs <paramref name="work"/> with download progress shown on stderr: Spectre.Console progress bars on an
    /// interactive terminal, one line per finished file otherwise.</summary>
    internal static async Task<T> WithProgressAsync<T>(CliContext context, Func<IProgress<HubDownloadProgress>, Task<T>> work)
    {
        if (!context.ErrorIsTerminal)
        {
            return await work(new LineProgress(context.Error));
        }

        var console = context.CreateConsole(context.Error);
        return await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(ctx => work(new BarProgress(ctx)));
    }

    private static HubModelReference ParseReference(string text, string? revision)
    {
        if (DemoModel.IsName(text))
        {
            throw new CliException($"'{text}' is the demo checkpoint that comes with Gpt2Kit ({DemoModel.RelativePath}); it needs no download: use --model {DemoModel.Name}.");
        }

        if (Directory.Exists(text))
        {
            throw new CliException($"'{text}' is a local folder; download takes a Hugging Face model name (name, org/name or org/name@revision).");
        }

        HubModelReference reference;
        try
        {
            reference = HubModelReference.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"name: {e.Message.Split(" (Parameter", 2)[0]}");
        }

        if (string.IsNullOrEmpty(revision))
        {
            return reference;
        }

        if (text.Contains('@') && reference.Revision != revision)
        {
            throw new CliException($"--revision: '{revision}' contradicts the revision '{reference.Revision}' in '{text}'; give it once.");
        }

        try
        {
            return new HubModelReference(reference.RepoId, revision);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"--revision: {e.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    private static Uri ParseEndpoint(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new CliException($"--endpoint: '{url}' is not allowed; expected an absolute http or https URL such as https://huggingface.co.");

    /// <summary>Spectre progress bars, one per file; Spectre's tasks are safe to update from download threads.</summary>
    private sealed class BarProgress(ProgressContext context) : IProgress<HubDownloadProgress>
    {
        private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);

        public void Report(HubDownloadProgress value)
        {
            ProgressTask task;
            lock (_tasks)
            {
                if (!_tasks.TryGetValue(value.FileName, out task!))
                {
                    _tasks[value.FileName] = task = context.AddTask(Markup.Escape(value.FileName), maxValue: Math.Max(1, value.TotalBytes ?? 1));
                }
            }

            if (value.TotalBytes is long total)
            {
                task.MaxValue = Math.Max(1, total);
            }

            task.Value = value.BytesTransferred;
            if (value.IsComplete)
            {
                task.Value = task.MaxValue;
                task.StopTask();
            }
        }
    }

    /// <summary>Without a terminal: one line per file once it is in the cache.</summary>
    private sealed class LineProgress(TextWriter error) : IProgress<HubDownloadProgress>
    {
        public void Report(HubDownloadProgress value)
        {
            if (value.IsComplete)
            {
                lock (error)
                {
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{value.FileName}: {value.BytesTransferred:N0} bytes"));
                }
            }
        }
    }
}
