using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gpt2Kit.Decoding;
using Gpt2Kit.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Server.OpenAi;

/// <summary>The OpenAI-compatible routes: <c>POST /v1/completions</c>, <c>POST /v1/chat/completions</c>,
/// <c>GET /v1/models</c>, <c>GET /v1/plugins</c>.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class OpenAiEndpoints
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/completions", (Delegate)((HttpContext http) => Generate(http, chat: false)))
            .WithName("CreateCompletion").WithSummary("Completes a prompt (OpenAI legacy completions), optionally streamed as server-sent events.")
            .Accepts<JsonObject>("application/json").Produces<JsonObject>().Produces(400).Produces(404).Produces(413).Produces(429);
        routes.MapPost("/v1/chat/completions", (Delegate)((HttpContext http) => Generate(http, chat: true)))
            .WithName("CreateChatCompletion").WithSummary("Continues a conversation (OpenAI chat completions), optionally streamed as server-sent events.")
            .Accepts<JsonObject>("application/json").Produces<JsonObject>().Produces(400).Produces(404).Produces(413).Produces(429);
        routes.MapGet("/v1/models", (ServedModel served) => Results.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(new JsonObject
            {
                ["id"] = served.Name,
                ["object"] = "model",
                ["created"] = served.Created,
                ["owned_by"] = "gpt2kit",
                ["max_model_len"] = served.Info.ContextLength,
            }),
        })).WithName("ListModels").WithSummary("The served model.");
        routes.MapGet("/v1/plugins", (ServedModel served) => Results.Json(PluginsJson(served, served.Plugins.Current)))
            .WithName("ListPlugins").WithSummary("The plugin load report: what each plugin registered, and which failed and why.");
        routes.MapPost("/v1/plugins/reload", (ServedModel served) => Results.Json(PluginsJson(served, served.Plugins.Reload())))
            .WithName("ReloadPlugins").WithSummary("Loads the plugin folders again (what --watch does on a change) and returns the new report.");
    }

    /// <summary>Writes an <see cref="OpenAiException"/> as the response.</summary>
    public static Task WriteError(HttpContext http, OpenAiException error)
    {
        http.Response.StatusCode = error.Status;
        if (error.Status == 429)
        {
            http.Response.Headers.RetryAfter = "1";
        }

        return http.Response.WriteAsJsonAsync(error.ToJson());
    }

    private static async Task Generate(HttpContext http, bool chat)
    {
        var services = http.RequestServices;
        var served = services.GetRequiredService<ServedModel>();
        var gate = services.GetRequiredService<RequestGate>();
        var metrics = services.GetRequiredService<ServerMetrics>();
        var options = services.GetRequiredService<Gpt2KitServerOptions>();
        var arrived = Stopwatch.GetTimestamp();
        var aborted = http.RequestAborted;
        int status = 200;
        try
        {
            var body = await ReadBody(http, aborted);
            var defaults = served.Plugins.Current.Generator;
            var request = OpenAiRequest.Read(body, chat, served.Name, defaults.DefaultOptions, defaults.Tokenizer, options.DefaultMaxTokens);
            using var lease = await gate.EnterAsync(aborted)
                ?? throw new OpenAiException(429, $"Too many requests: {gate.Running} are running and {gate.Waiting} waiting; retry later.", code: "rate_limit_exceeded", type: "rate_limit_error");
            metrics.QueueTime(Stopwatch.GetElapsedTime(arrived));
            // The request runs to its end on the plugins it started with, even if they are reloaded meanwhile.
            var plugins = served.Plugins.Acquire();
            try
            {
                await Run(http, served.Name, plugins.Generator, metrics, request, arrived, aborted);
            }
            finally
            {
                plugins.Release();
            }
        }
        catch (OpenAiException e)
        {
            status = e.Status;
            if (!http.Response.HasStarted)
            {
                await WriteError(http, e);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; its generation stopped within one step.
            status = 499;
        }
        finally
        {
            metrics.Request(status);
        }
    }

    private static async Task Run(HttpContext http, string model, TextGenerator generator, ServerMetrics metrics, OpenAiRequest request, long arrived,
        CancellationToken aborted)
    {
        var writer = new ChoiceWriter(request, generator.Tokenizer, model);
        if (!request.Chat && request.Echo && request.Logprobs)
        {
            writer.SetPromptScores(await ScorePrompts(generator, request, aborted));
        }

        if (request.ScoreOnly)
        {
            await Respond(http, request, writer, writer.EchoOnly().ToAsyncEnumerable(), aborted);
            return;
        }

        await using var updates = generator.GenerateStreamingAsync(request.Generation, aborted).GetAsyncEnumerator(aborted);
        bool more;
        try
        {
            // The first step resolves and validates the request: its errors are still a 400 with a JSON body.
            more = await updates.MoveNextAsync();
        }
        catch (GenerationConfigurationException e)
        {
            throw OpenAiRequest.FromLibrary(e, request.Chat);
        }

        metrics.TimeToFirstToken(Stopwatch.GetElapsedTime(arrived));
        await Respond(http, request, writer, Chunks(writer, updates, more), aborted);
        metrics.Tokens(writer.CompletionTokens);
    }

    // The chunks of the updates still to come (the first already read).
    private static async IAsyncEnumerable<JsonObject> Chunks(ChoiceWriter writer, IAsyncEnumerator<GenerationUpdate> updates, bool more)
    {
        for (; more; more = await updates.MoveNextAsync())
        {
            if (writer.Add(updates.Current) is { } chunk)
            {
                yield return chunk;
            }
        }
    }

    // Streams the chunks as server-sent events, or collects them into one response.
    private static async Task Respond(HttpContext http, OpenAiRequest request, ChoiceWriter writer, IAsyncEnumerable<JsonObject> chunks,
        CancellationToken aborted)
    {
        if (request.Stream)
        {
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            try
            {
                await foreach (var chunk in chunks.WithCancellation(aborted))
                {
                    await Send(http, chunk, aborted);
                }

                if (request.IncludeUsage)
                {
                    await Send(http, writer.UsageChunk(), aborted);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Headers are out: the error goes into the stream, as OpenAI's servers do.
                await Send(http, OpenAiException.Body(e.Message, "server_error", null, null), aborted);
            }

            await http.Response.WriteAsync("data: [DONE]\n\n", aborted);
        }
        else
        {
            await foreach (var _ in chunks.WithCancellation(aborted))
            {
                // The writer keeps what the response needs.
            }

            await http.Response.WriteAsJsonAsync(writer.Response(), aborted);
        }
    }

    // Each prompt scored token by token after its first token, with the alternatives logprobs asks for.
    private static async Task<ScoreResult[]> ScorePrompts(TextGenerator generator, OpenAiRequest request, CancellationToken aborted)
    {
        var scores = new ScoreResult[request.PromptIds.Count];
        for (int p = 0; p < scores.Length; p++)
        {
            int[] ids = request.PromptIds[p];
            try
            {
                scores[p] = ids.Length < 2
                    ? new ScoreResult(0, []) { Alternatives = [] }
                    : await generator.ScoreAsync(ids[..1], ids[1..], request.LogprobCount, aborted);
            }
            catch (GenerationConfigurationException e)
            {
                throw OpenAiRequest.FromLibrary(e, request.Chat);
            }
        }

        return scores;
    }

    private static async Task Send(HttpContext http, JsonObject chunk, CancellationToken aborted)
    {
        await http.Response.WriteAsync("data: " + chunk.ToJsonString(Compact) + "\n\n", aborted);
        await http.Response.Body.FlushAsync(aborted);
    }

    private static async Task<JsonNode?> ReadBody(HttpContext http, CancellationToken aborted)
    {
        try
        {
            return await JsonNode.ParseAsync(http.Request.Body, cancellationToken: aborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new OpenAiException(413, $"The request body is larger than the server's limit ({http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes).", code: "request_too_large");
        }
        catch (JsonException e)
        {
            throw new OpenAiException(400, $"The request body is not valid JSON: {e.Message}", code: "invalid_json");
        }
    }

    private static JsonObject PluginsJson(ServedModel served, Plugins.PluginGeneration generation) => new()
    {
        ["generation"] = generation.Number,
        ["loaded_at"] = generation.LoadedAt.ToString("O"),
        ["watching"] = served.Plugins.Watching,
        ["folders"] = new JsonArray([.. generation.Report.Folders.Select(f => (JsonNode)f)]),
        ["plugins"] = new JsonArray([.. generation.Report.Plugins.Select(p => (JsonNode)new JsonObject
        {
            ["name"] = p.Name,
            ["assembly"] = p.AssemblyName,
            ["version"] = p.Version,
            ["path"] = p.AssemblyPath,
            ["registrations"] = new JsonArray([.. p.Registrations.Select(r => (JsonNode)new JsonObject { ["name"] = r.Name, ["kind"] = r.Kind.ToString() })]),
        })]),
        ["failures"] = new JsonArray([.. generation.Report.Failures.Select(f => (JsonNode)new JsonObject { ["plugin"] = f.Plugin, ["path"] = f.Path, ["reason"] = f.Reason })]),
    };
}
