using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gpt2Kit.Decoding;

namespace Gpt2Kit.Server.Tests;

/// <summary>Continuous batching: concurrent requests of different lengths, arriving at different times, each get exactly
/// the tokens the library gives them alone; and the limits around it (queue, disconnects, drain, API keys).</summary>
public sealed class BatchingTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Concurrent_requests_arriving_at_different_times_equal_the_library_alone()
    {
        // Greedy and seeded sampling, different prompts and lengths, n > 1 and a beam request in the same mix.
        var cases = new (string Prompt, int MaxTokens, double? Temperature, int N, int Beams, int Delay)[]
        {
            ("Hello, my name is", 40, null, 1, 1, 0),
            ("The capital of France", 25, 0.8, 1, 1, 5),
            ("Once upon a time there was a", 50, 1.1, 2, 1, 15),
            ("a", 12, null, 1, 1, 30),
            ("In 1999, the", 30, 0.6, 3, 1, 10),
            ("Numbers: 1, 2, 3,", 20, null, 1, 2, 20),
            ("The quick brown fox jumps over the lazy dog and then", 35, 0.9, 1, 1, 40),
        };
        long stepsBefore = server.Served.BatchedSteps;

        var responses = await Task.WhenAll(cases.Select(async (c, i) =>
        {
            await Task.Delay(c.Delay);
            var body = new JsonObject
            {
                ["model"] = ServerFixture.ModelName, ["prompt"] = c.Prompt, ["max_tokens"] = c.MaxTokens, ["n"] = c.N, ["seed"] = 100 + i,
                ["temperature"] = c.Temperature ?? 0, ["num_beams"] = c.Beams,
            };
            var (status, json) = await server.PostAsync("/v1/completions", body);
            status.Should().Be(200, json.ToJsonString());
            return json["choices"]!.AsArray().Select(ch => (string)ch!["text"]!).ToArray();
        }));

        for (int i = 0; i < cases.Length; i++)
        {
            var c = cases[i];
            var expected = await server.Library.GenerateAsync(GenerationRequest.FromText(c.Prompt, server.LibraryOptions(o =>
            {
                o.MaxNewTokens = c.MaxTokens; o.Seed = 100 + i; o.NumReturnSequences = c.N; o.NumBeams = c.Beams;
                o.DoSample = c.Temperature is not null;
                o.Temperature = c.Temperature ?? 1.0;
            })));
            responses[i].Should().Equal(expected.Texts, $"request {i} ({c.Prompt}) must not depend on the others in its batches");
        }

        (server.Served.BatchedSteps - stepsBefore).Should().BeGreaterThan(0);
        server.Served.LargestBatchRows.Should().BeGreaterThan(1, "concurrent requests share decoding steps");
    }

    [Fact]
    public async Task A_client_that_disconnects_is_cancelled_and_frees_its_slot()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new { model = ServerFixture.ModelName, prompt = "Tell me", max_tokens = 120, temperature = 0, stream = true }),
        };
        using (var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            (await reader.ReadLineAsync()).Should().StartWith("data: ");
        }

        // Disposing the response closes the connection; the request stops within a step and leaves the gate.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        int running;
        do
        {
            await Task.Delay(50);
            running = (int)JsonNode.Parse(await server.Http.GetStringAsync("/health"))!["running"]!;
        }
        while (running > 0 && DateTime.UtcNow < deadline);

        running.Should().Be(0);
    }
}

/// <summary>A server with one slot and no queue: the second concurrent request gets 429 with Retry-After.</summary>
public sealed class QueueLimitTests : IAsyncLifetime
{
    private readonly ServerFixture _server = new(o => { o.MaxRunningRequests = 1; o.MaxQueuedRequests = 0; });

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Past_the_queue_requests_get_429_with_Retry_After_and_shutdown_drains_the_running_one()
    {
        using var first = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new { model = ServerFixture.ModelName, prompt = "Hi", max_tokens = 60, temperature = 0, stream = true }),
        };
        using var running = await _server.Http.SendAsync(first, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await running.Content.ReadAsStreamAsync());
        (await reader.ReadLineAsync()).Should().StartWith("data: ");

        using var second = await _server.Http.PostAsJsonAsync("/v1/completions", new { model = ServerFixture.ModelName, prompt = "Hi", max_tokens = 2 });
        second.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        second.Headers.RetryAfter.Should().NotBeNull();
        var error = JsonNode.Parse(await second.Content.ReadAsStringAsync())!["error"]!;
        ((string)error["type"]!).Should().Be("rate_limit_error");

        // Shutdown refuses new work but lets the running stream finish.
        var stopping = _server.App.StopAsync();
        var rest = await reader.ReadToEndAsync();
        await stopping;
        rest.TrimEnd().Should().EndWith("data: [DONE]");
        rest.Should().Contain("\"finish_reason\":\"length\"");
    }
}

/// <summary>With API keys configured, /v1 needs a bearer key; /health stays open.</summary>
public sealed class ApiKeyTests : IAsyncLifetime
{
    private readonly ServerFixture _server = new(o => o.ApiKeys = ["secret-1", "secret-2"]);

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Requests_need_a_configured_key()
    {
        var body = new { model = ServerFixture.ModelName, prompt = "Hi", max_tokens = 2 };
        (await _server.PostAsync("/v1/completions", body)).Status.Should().Be(401);
        var (status, json) = await _server.PostAsync("/v1/completions", body, key: "wrong");
        status.Should().Be(401);
        ((string)json["error"]!["code"]!).Should().Be("invalid_api_key");
        (await _server.PostAsync("/v1/completions", body, key: "secret-2")).Status.Should().Be(200);
        (await _server.Http.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK);

        var chat = _server.OpenAi("secret-1").GetChatClient(ServerFixture.ModelName);
        var reply = await chat.CompleteChatAsync([OpenAI.Chat.ChatMessage.CreateUserMessage("Hi")], new OpenAI.Chat.ChatCompletionOptions { MaxOutputTokenCount = 2 });
        reply.Value.Usage.OutputTokenCount.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Without_a_key_a_non_loopback_address_is_refused()
    {
        FluentActions.Invoking(() => Hosting.Gpt2KitServer.Build(ServerFixture.Options(o => o.Host = "0.0.0.0")))
            .Should().Throw<ArgumentException>().WithMessage("*not a loopback address and no API key*");
    }
}
