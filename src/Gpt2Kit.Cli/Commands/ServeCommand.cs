using System.CommandLine;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit serve --model M [--port N] [--plugins DIR [--watch]]</c>: the OpenAI-compatible server with continuous batching,
/// until Ctrl+C (which stops taking requests and lets the running ones finish).</summary>
internal static class ServeCommand
{
    internal static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "A checkpoint folder or a Hugging Face name (default gpt2)." };
        var port = new Option<int>("--port") { Description = "The port (0 picks a free one).", DefaultValueFactory = _ => 8000 };
        var host = new Option<string>("--host") { Description = "The address to listen on; anything but loopback needs an API key.", DefaultValueFactory = _ => "127.0.0.1" };
        var modelName = new Option<string?>("--served-model-name") { Description = "The name clients pass as \"model\" (default: the folder's name)." };
        var plugins = new Option<string[]>("--plugins") { Description = "A plugins folder (one subfolder per plugin); repeat for several.", Arity = ArgumentArity.OneOrMore };
        var watch = new Option<bool>("--watch") { Description = "Reload the plugins when a file in a plugins folder changes (a new or rebuilt plugin); a version that fails to load leaves the previous one serving." };
        var threads = new Option<int?>("--threads") { Description = "Threads of the forward pass (default: every core)." };
        var maxRunning = new Option<int>("--max-running") { Description = "Requests generating at once.", DefaultValueFactory = _ => 64 };
        var maxQueued = new Option<int>("--max-queued") { Description = "Requests waiting for a slot; past it, 429.", DefaultValueFactory = _ => 256 };
        var maxBatchRows = new Option<int>("--max-batch-rows") { Description = "The most sequences one batched decoding step computes.", DefaultValueFactory = _ => 64 };
        var noBatching = new Option<bool>("--no-batching") { Description = "Decode every request on its own (no continuous batching)." };
        var json = new Option<bool>("--json") { Description = "Once listening, print one JSON object (model, urls) on stdout instead of a line on stderr." };
        var allowRemote = new Option<bool>("--allow-remote-without-api-key") { Description = "Listen on a non-loopback --host without an API key." };
        var command = new Command("serve", "Serve the model over HTTP with OpenAI's API (completions, chat, streaming) and continuous batching. API keys come from Gpt2Kit__Server__ApiKeys__0 (environment) or gpt2kit.json.")
        {
            model, port, host, modelName, plugins, watch, threads, maxRunning, maxQueued, maxBatchRows, noBatching, allowRemote, json,
        }.WithExamples(
            "gpt2kit serve --model gpt2 --port 8000",
            "gpt2kit serve --model ./gpt2-random --plugins artifacts/plugins --watch",
            "gpt2kit serve --model gpt2 --host 0.0.0.0 --port 8080");

        command.SetAction(async (parse, cancellationToken) =>
        {
            string folder = await CheckpointLoader.ResolveAsync(context, parse.GetValue(model), cancellationToken);
            var options = new Gpt2KitServerOptions();
            // Settings (API keys above all) from gpt2kit.json and the environment; the command line wins.
            new ConfigurationBuilder().AddJsonFile(Path.GetFullPath("gpt2kit.json"), optional: true).AddEnvironmentVariables().Build()
                .GetSection("Gpt2Kit:Server").Bind(options);
            options.Model = folder;
            options.Port = parse.GetValue(port);
            options.Host = parse.GetValue(host)!;
            options.ModelName = parse.GetValue(modelName) ?? options.ModelName;
            options.PluginFolders = parse.GetValue(plugins) ?? [];
            options.WatchPlugins = parse.GetValue(watch);
            options.Threads = parse.GetValue(threads) ?? options.Threads;
            options.MaxRunningRequests = parse.GetValue(maxRunning);
            options.MaxQueuedRequests = parse.GetValue(maxQueued);
            options.MaxBatchRows = parse.GetValue(maxBatchRows);
            options.ContinuousBatching = !parse.GetValue(noBatching);
            options.AllowRemoteWithoutApiKey |= parse.GetValue(allowRemote);

            WebApplication app;
            try
            {
                app = Gpt2KitServer.Build(options);
            }
            catch (Exception e) when (e is ArgumentException or DirectoryNotFoundException)
            {
                throw new CliException(e.Message);
            }

            await using (app)
            {
                await app.StartAsync(CancellationToken.None);
                string served = options.ModelName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
                if (parse.GetValue(json))
                {
                    CliJson.Write(context.Out, new { model = served, urls = app.Urls.ToArray() });
                }
                else
                {
                    context.Error.WriteLine($"serving {served} on {string.Join(", ", app.Urls)} (OpenAI API under /v1; Ctrl+C stops)");
                }

                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    context.Error.WriteLine("stopping: no new requests; finishing the running ones.");
                }

                await app.StopAsync(CancellationToken.None);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
