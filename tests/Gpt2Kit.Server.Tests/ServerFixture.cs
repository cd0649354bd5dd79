using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Models;
using Gpt2Kit.Server.Hosting;
using Gpt2Kit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenAI;

namespace Gpt2Kit.Server.Tests;

/// <summary>A running server on 127.0.0.1 (a free port) over the gpt2-tiny fixture, and the library alone over the same
/// checkpoint to compare with.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string ModelName = "gpt2-tiny";

    private readonly Action<Gpt2KitServerOptions>? _configure;
    private Gpt2Model? _libraryModel;

    public ServerFixture() : this(null) { }

    internal ServerFixture(Action<Gpt2KitServerOptions>? configure) => _configure = configure;

    public WebApplication App { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The library on its own (no server, no batching).</summary>
    public TextGenerator Library { get; private set; } = null!;

    internal ServedModel Served => App.Services.GetRequiredService<ServedModel>();

    public static Gpt2KitServerOptions Options(Action<Gpt2KitServerOptions>? configure = null)
    {
        var options = new Gpt2KitServerOptions { Model = FixturePaths.Checkpoint(ModelName), Port = 0, Threads = 2 };
        configure?.Invoke(options);
        return options;
    }

    public async Task InitializeAsync()
    {
        App = Gpt2KitServer.Build(Options(_configure), logging => logging.SetMinimumLevel(LogLevel.Warning));
        await App.StartAsync();
        BaseAddress = new Uri(App.Urls.Single());
        Http = new HttpClient { BaseAddress = BaseAddress };
        _libraryModel = Gpt2Model.FromPretrained(FixturePaths.Checkpoint(ModelName), new ModelLoadOptions { Threads = 2 });
        Library = TextGenerator.Create(_libraryModel, Gpt2.Tokenization.Gpt2Tokenizer.FromFolder(FixturePaths.Checkpoint(ModelName)));
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        _libraryModel?.Dispose();
    }

    public OpenAIClient OpenAi(string key = "unused") =>
        new(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(BaseAddress, "/v1") });

    /// <summary>The library's options for a request: the model's defaults with the given settings.</summary>
    public GenerationOptions LibraryOptions(Action<GenerationOptions> configure)
    {
        var options = Library.DefaultOptions;
        options.TopK = null;
        configure(options);
        return options;
    }

    public async Task<(int Status, JsonObject Body)> PostAsync(string path, object body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }

        using var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }
}
