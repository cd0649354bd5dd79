using System.Net;
using System.Text.Json.Nodes;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Models;
using Gpt2Kit.Server.OpenAi;
using Gpt2Kit.Tokenization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Gpt2Kit.Server.Hosting;

/// <summary>Builds the <c>gpt2kit serve</c> web application: Kestrel on the configured address, the OpenAI-compatible
/// routes, <c>/health</c>, <c>/metrics</c> (Prometheus text through OpenTelemetry), the OpenAPI document at
/// <c>/openapi/v1.json</c>, optional bearer API keys, admission limits and a draining shutdown.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public static class Gpt2KitServer
{
    /// <summary>Builds the application (not started). The model loads here.</summary>
    /// <param name="options">The settings; <see cref="Gpt2KitServerOptions.Model"/> must name a model folder.</param>
    /// <param name="configureLogging">Adjusts logging (e.g. quieter in tests); null keeps the console default.</param>
    /// <exception cref="ArgumentException">A setting is out of range, or a non-loopback address has no API key.</exception>
    /// <exception cref="DirectoryNotFoundException">A plugins folder does not exist.</exception>
    /// <exception cref="ModelLoadException">The model cannot be loaded.</exception>
    public static WebApplication Build(Gpt2KitServerOptions options, Action<ILoggingBuilder>? configureLogging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var address = Validate(options);
        // Each running request's decoding loop blocks a pool thread while the scheduler computes its step; without enough
        // threads up front the pool would add them slowly and hold back I/O.
        ThreadPool.GetMinThreads(out int workers, out int io);
        ThreadPool.SetMinThreads(Math.Max(workers, options.MaxRunningRequests + (2 * Environment.ProcessorCount)), io);
        var builder = WebApplication.CreateSlimBuilder();
        configureLogging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, options.Port);
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.DrainTimeout);

        builder.Services.AddGpt2Kit().AddGpt2Model(options.Model, load => load.Threads = options.Threads);
        var gate = new RequestGate(options.MaxRunningRequests, options.MaxQueuedRequests);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(gate);
        builder.Services.AddSingleton(_ => new ServerMetrics(gate));
        builder.Services.AddSingleton(services => new ServedModel(
            services.GetRequiredService<ICausalLanguageModel>(),
            services.GetRequiredService<ITokenizer>(),
            options,
            services.GetRequiredService<ServerMetrics>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Gpt2Kit.Server.Plugins")));
        builder.Services.AddOpenApi();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(ServerMetrics.MeterName).AddPrometheusExporter());

        var app = builder.Build();
        // Load the model and the plugins now, not on the first request.
        _ = app.Services.GetRequiredService<ServedModel>();
        app.Lifetime.ApplicationStopping.Register(gate.Close);
        app.Use(ApiKeys(options.ApiKeys));
        app.MapGet("/health", (ServedModel served, RequestGate requests) => Results.Json(new JsonObject
        {
            ["status"] = requests.Closed ? "draining" : "ok",
            ["model"] = served.Name,
            ["running"] = requests.Running,
            ["waiting"] = requests.Waiting,
        }, statusCode: requests.Closed ? 503 : 200)).WithName("Health");
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenApi();
        OpenAiEndpoints.Map(app);
        return app;
    }

    private static IPAddress Validate(Gpt2KitServerOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Model))
        {
            throw new ArgumentException("Model: a model folder is required.", nameof(options));
        }

        Require(options.Port is >= 0 and <= 65535, "Port", options.Port, "0..65535");
        Require(options.MaxRunningRequests >= 1, "MaxRunningRequests", options.MaxRunningRequests, "an integer >= 1");
        Require(options.MaxQueuedRequests >= 0, "MaxQueuedRequests", options.MaxQueuedRequests, "an integer >= 0");
        Require(options.MaxBatchRows >= 1, "MaxBatchRows", options.MaxBatchRows, "an integer >= 1");
        Require(options.MaxRequestBodyBytes >= 1024, "MaxRequestBodyBytes", options.MaxRequestBodyBytes, "at least 1024");
        Require(options.DefaultMaxTokens >= 1, "DefaultMaxTokens", options.DefaultMaxTokens, "an integer >= 1");
        var host = options.Host == "localhost" ? "127.0.0.1" : options.Host;
        if (!IPAddress.TryParse(host, out var address))
        {
            throw new ArgumentException($"Host: '{options.Host}' is not an IP address (e.g. 127.0.0.1, ::1, 0.0.0.0).", nameof(options));
        }

        if (!IPAddress.IsLoopback(address) && options.ApiKeys.Count == 0 && !options.AllowRemoteWithoutApiKey)
        {
            throw new ArgumentException(
                $"Host: '{options.Host}' is not a loopback address and no API key is configured; set an API key, or allow unauthenticated remote access explicitly.",
                nameof(options));
        }

        return address;
    }

    private static void Require(bool condition, string name, object value, string allowed)
    {
        if (!condition)
        {
            throw new ArgumentException($"{name}: '{value}' is not allowed; expected {allowed}.", "options");
        }
    }

    // Bearer keys on /v1/* (health, metrics and the OpenAPI document stay open for probes).
    private static Func<HttpContext, RequestDelegate, Task> ApiKeys(IList<string> keys)
    {
        var accepted = keys.Where(k => !string.IsNullOrEmpty(k)).Select(k => "Bearer " + k).ToHashSet(StringComparer.Ordinal);
        return (http, next) =>
        {
            if (accepted.Count == 0 || !http.Request.Path.StartsWithSegments("/v1"))
            {
                return next(http);
            }

            string? given = http.Request.Headers.Authorization;
            if (given is not null && accepted.Contains(given))
            {
                return next(http);
            }

            return OpenAiEndpoints.WriteError(http, new OpenAiException(401,
                given is null ? "Missing API key: send it as 'Authorization: Bearer <key>'." : "Incorrect API key provided.",
                code: "invalid_api_key"));
        };
    }
}
