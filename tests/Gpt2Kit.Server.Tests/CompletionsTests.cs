using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Gpt2Kit.Decoding;

namespace Gpt2Kit.Server.Tests;

/// <summary><c>/v1/completions</c> over HTTP on loopback: parameters, n &gt; 1, stop, seed, logprobs, echo, streaming, Hugging
/// Face settings and processors, and the errors, compared with the library.</summary>
public sealed class CompletionsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Prompt = "Hello, my name is";

    [Fact]
    public async Task Seeded_sampling_with_n_choices_equals_the_library()
    {
        var (status, body) = await server.PostAsync("/v1/completions",
            new { model = ServerFixture.ModelName, prompt = Prompt, max_tokens = 10, temperature = 0.8, n = 3, seed = 42 });

        status.Should().Be(200, body.ToJsonString());
        var expected = await server.Library.GenerateAsync(GenerationRequest.FromText(Prompt, server.LibraryOptions(o =>
        {
            o.DoSample = true; o.Temperature = 0.8; o.NumReturnSequences = 3; o.Seed = 42; o.MaxNewTokens = 10;
        })));
        var choices = body["choices"]!.AsArray();
        choices.Select(c => (string)c!["text"]!).Should().Equal(expected.Texts);
        choices.Select(c => (int)c!["index"]!).Should().Equal(0, 1, 2);
        body["object"]!.GetValue<string>().Should().Be("text_completion");
        body["usage"]!["prompt_tokens"]!.GetValue<int>().Should().Be(server.Library.Tokenizer.Encode(Prompt).Length);
    }

    [Fact]
    public async Task Stop_strings_cut_the_text_and_finish_with_stop()
    {
        // Find a piece of the greedy continuation, then ask the server to stop at it.
        var greedy = await server.Library.GenerateAsync(GenerationRequest.FromText(Prompt, server.LibraryOptions(o => { o.DoSample = false; o.MaxNewTokens = 12; })));
        string stop = greedy.Texts[0].Substring(greedy.Texts[0].Length / 2, 2);

        var (status, body) = await server.PostAsync("/v1/completions",
            new { model = ServerFixture.ModelName, prompt = Prompt, max_tokens = 12, temperature = 0, stop });

        status.Should().Be(200, body.ToJsonString());
        var choice = body["choices"]![0]!;
        choice["finish_reason"]!.GetValue<string>().Should().Be("stop");
        ((string)choice["text"]!).Should().Be(greedy.Texts[0][..greedy.Texts[0].IndexOf(stop, StringComparison.Ordinal)]);
    }

    [Fact]
    public async Task Hugging_Face_settings_beam_search_and_processors_are_accepted_as_extra_fields()
    {
        var (status, body) = await server.PostAsync("/v1/completions", new
        {
            model = ServerFixture.ModelName, prompt = Prompt, max_tokens = 8, temperature = 0,
            num_beams = 3, no_repeat_ngram_size = 2, repetition_penalty = 1.3,
        });
        status.Should().Be(200, body.ToJsonString());
        var beams = await server.Library.GenerateAsync(GenerationRequest.FromText(Prompt, server.LibraryOptions(o =>
        {
            o.DoSample = false; o.MaxNewTokens = 8; o.NumBeams = 3; o.NoRepeatNgramSize = 2; o.RepetitionPenalty = 1.3;
        })));
        ((string)body["choices"]![0]!["text"]!).Should().Be(beams.Texts[0]);

        (status, body) = await server.PostAsync("/v1/completions", new
        {
            model = ServerFixture.ModelName, prompt = Prompt, max_tokens = 8, seed = 3,
            processors = new object[] { new { type = "temperature", value = 0.7 }, new { type = "top_k", k = 5 } },
        });
        status.Should().Be(200, body.ToJsonString());
        var chain = await server.Library.GenerateAsync(GenerationRequest.FromText(Prompt, server.LibraryOptions(o =>
        {
            o.DoSample = true; o.MaxNewTokens = 8; o.Seed = 3;
            o.Processors = [ProcessorSpec.Create("temperature", ("value", "0.7")), ProcessorSpec.Create("top_k", ("k", "5"))];
        })));
        ((string)body["choices"]![0]!["text"]!).Should().Be(chain.Texts[0]);
    }

    [Fact]
    public async Task Logit_bias_and_the_OpenAI_penalties_reach_the_library()
    {
        var (status, body) = await server.PostAsync("/v1/completions", new
        {
            model = ServerFixture.ModelName, prompt = Prompt, max_tokens = 3, temperature = 0,
            logit_bias = new Dictionary<string, double> { ["42"] = 100 },
        });
        status.Should().Be(200, body.ToJsonString());
        ((string)body["choices"]![0]!["text"]!).Should().Be(server.Library.Tokenizer.Decode([42, 42, 42]));

        (status, body) = await server.PostAsync("/v1/completions", new
        {
            model = ServerFixture.ModelName, prompt = Prompt, max_tokens = 10, temperature = 0, presence_penalty = 1.5, frequency_penalty = 0.5,
        });
        status.Should().Be(200, body.ToJsonString());
        var expected = await server.Library.GenerateAsync(GenerationRequest.FromText(Prompt, server.LibraryOptions(o =>
        {
            o.DoSample = false; o.MaxNewTokens = 10; o.PresencePenalty = 1.5; o.FrequencyPenalty = 0.5;
        })));
        ((string)body["choices"]![0]!["text"]!).Should().Be(expected.Texts[0]);
    }

    [Fact]
    public async Task Logprobs_and_echo_follow_the_legacy_shape()
    {
        var (status, body) = await server.PostAsync("/v1/completions",
            new { model = ServerFixture.ModelName, prompt = Prompt, max_tokens = 5, temperature = 0, logprobs = 2, echo = true });

        status.Should().Be(200, body.ToJsonString());
        var expected = await server.Library.GenerateAsync(GenerationRequest.FromText(Prompt, server.LibraryOptions(o => { o.DoSample = false; o.MaxNewTokens = 5; })));
        int[] ids = server.Library.Tokenizer.Encode(Prompt);
        var promptScore = await server.Library.ScoreAsync(ids[..1], ids[1..]);
        var choice = body["choices"]![0]!;
        ((string)choice["text"]!).Should().Be(Prompt + expected.Texts[0]);

        // The prompt's tokens lead (the first has no log-probability), then the five generated ones.
        var logprobs = choice["logprobs"]!;
        var tokenLogprobs = logprobs["token_logprobs"]!.AsArray();
        tokenLogprobs.Should().HaveCount(ids.Length + 5);
        tokenLogprobs[0].Should().BeNull();
        for (int i = 1; i < ids.Length; i++)
        {
            ((float)tokenLogprobs[i]!).Should().BeApproximately(promptScore.TokenLogprobs[i - 1], 1e-5f);
        }

        for (int i = 0; i < 5; i++)
        {
            ((float)tokenLogprobs[ids.Length + i]!).Should().BeApproximately(expected.TokenLogprobs[0][i], 1e-5f);
        }

        string.Concat(logprobs["tokens"]!.AsArray().Select(t => (string)t!)).Should().Be((string)choice["text"]!);
        var top = logprobs["top_logprobs"]!.AsArray();
        top[0].Should().BeNull();
        top.Skip(1).Should().AllSatisfy(t => t!.AsObject().Count.Should().BeInRange(1, 2));
    }

    [Fact]
    public async Task Max_tokens_zero_with_echo_scores_the_prompt_as_evaluation_harnesses_ask()
    {
        var (status, body) = await server.PostAsync("/v1/completions",
            new { model = ServerFixture.ModelName, prompt = Prompt, max_tokens = 0, logprobs = 1, echo = true });

        status.Should().Be(200, body.ToJsonString());
        int[] ids = server.Library.Tokenizer.Encode(Prompt);
        var expected = await server.Library.ScoreAsync(ids[..1], ids[1..], topAlternatives: 1);
        var choice = body["choices"]![0]!;
        ((string)choice["text"]!).Should().Be(Prompt);
        ((string)choice["finish_reason"]!).Should().Be("length");
        body["usage"]!["completion_tokens"]!.GetValue<int>().Should().Be(0);
        var tokenLogprobs = choice["logprobs"]!["token_logprobs"]!.AsArray();
        tokenLogprobs.Skip(1).Select(v => (float)v!).Should().Equal(expected.TokenLogprobs, (a, b) => Math.Abs(a - b) < 1e-5f);

        // The greedy check a harness makes: at each position, the one alternative listed is the most likely token.
        var top = choice["logprobs"]!["top_logprobs"]!.AsArray();
        for (int i = 1; i < ids.Length; i++)
        {
            var alternative = expected.Alternatives![i - 1][0];
            top[i]!.AsObject().Select(kv => kv.Key).Should().Equal(server.Library.Tokenizer.Decode([alternative.TokenId]));
        }
    }

    [Fact]
    public async Task Streaming_a_scored_prompt_sends_it_with_its_logprobs_in_one_chunk()
    {
        using var response = await server.Http.PostAsJsonAsync("/v1/completions", new
        {
            model = ServerFixture.ModelName, prompt = Prompt, max_tokens = 0, logprobs = 0, echo = true, stream = true,
        });
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        events[^1].Should().Be("data: [DONE]");
        var choices = events[..^1].Select(e => JsonNode.Parse(e["data: ".Length..])!).SelectMany(c => c["choices"]!.AsArray()).ToList();
        choices.Should().ContainSingle();
        ((string)choices[0]!["text"]!).Should().Be(Prompt);
        choices[0]!["logprobs"]!["token_logprobs"]!.AsArray().Should().HaveCount(server.Library.Tokenizer.Encode(Prompt).Length);
        ((string)choices[0]!["finish_reason"]!).Should().Be("length");
    }

    [Fact]
    public async Task Max_tokens_zero_without_echo_is_refused()
    {
        var (status, body) = await server.PostAsync("/v1/completions", new { model = ServerFixture.ModelName, prompt = Prompt, max_tokens = 0 });

        status.Should().Be(400);
        ((string)body["error"]!["param"]!).Should().Be("max_tokens");
        ((string)body["error"]!["message"]!).Should().Contain("only with echo");
    }

    [Fact]
    public async Task Streaming_sends_chunks_usage_and_done()
    {
        using var response = await server.Http.PostAsJsonAsync("/v1/completions", new
        {
            model = ServerFixture.ModelName, prompt = Prompt, max_tokens = 9, temperature = 0, stream = true,
            stream_options = new { include_usage = true },
        });
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        events[^1].Should().Be("data: [DONE]");
        var chunks = events[..^1].Select(e => JsonNode.Parse(e["data: ".Length..])!).ToList();
        chunks[^1]["usage"]!["completion_tokens"]!.GetValue<int>().Should().Be(9);
        chunks[^1]["choices"]!.AsArray().Should().BeEmpty();
        var text = string.Concat(chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => (string?)c!["text"]));
        var expected = await server.Library.GenerateAsync(GenerationRequest.FromText(Prompt, server.LibraryOptions(o => { o.DoSample = false; o.MaxNewTokens = 9; })));
        text.Should().Be(expected.Texts[0]);
        chunks.SelectMany(c => c["choices"]!.AsArray()).Last()!["finish_reason"]!.GetValue<string>().Should().Be("length");
    }

    [Theory]
    [InlineData("{\"model\":\"gpt2-tiny\",\"prompt\":\"a\",\"top_p\":2}", 400, "top_p", "2")]
    [InlineData("{\"model\":\"gpt2-tiny\",\"prompt\":\"a\",\"temperature\":-1}", 400, "temperature", "-1")]
    [InlineData("{\"model\":\"gpt2-tiny\",\"prompt\":\"a\",\"temperature\":0,\"n\":2}", 400, "n", "2")]
    [InlineData("{\"model\":\"gpt2-tiny\",\"prompt\":\"a\",\"top_k\":-1}", 400, "top_k", "-1")]
    [InlineData("{\"model\":\"gpt2-tiny\",\"prompt\":\"a\",\"max_tokens\":0}", 400, "max_tokens", "0")]
    [InlineData("{\"model\":\"gpt2-tiny\",\"prompt\":\"a\",\"topp\":0.5}", 400, "topp", "top_p")]
    [InlineData("{\"model\":\"gpt2-tiny\",\"prompt\":\"a\",\"processors\":[{\"type\":\"nope\"}]}", 400, "processors:0", "nope")]
    [InlineData("{\"model\":\"gpt2-tiny\",\"prompt\":\"a\",\"stop\":[1,2]}", 400, "stop", "list of up to 4 strings")]
    [InlineData("{\"model\":\"gpt2-tiny\",\"prompt\":\"a\",\"stream\":\"yes\"}", 400, "stream", "true or false")]
    [InlineData("{\"model\":\"gpt2-tiny\",\"prompt\":\"a\",\"tools\":[{\"type\":\"function\"}]}", 400, "tools", "not supported")]
    [InlineData("{\"model\":\"davinci\",\"prompt\":\"a\"}", 404, "model", "davinci")]
    [InlineData("{\"model\":\"gpt2-tiny\"}", 400, "prompt", "a string")]
    [InlineData("not json", 400, null, "not valid JSON")]
    public async Task Bad_requests_get_OpenAI_errors_naming_the_parameter(string json, int status, string? param, string mentioned)
    {
        using var response = await server.Http.PostAsync("/v1/completions", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        ((int)response.StatusCode).Should().Be(status, body.ToJsonString());
        var error = body["error"]!;
        ((string?)error["param"]).Should().Be(param);
        ((string)error["message"]!).Should().Contain(mentioned);
        ((string)error["type"]!).Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task An_oversized_body_gets_413()
    {
        var prompt = new string('a', 2 << 20);
        var (status, body) = await server.PostAsync("/v1/completions", new { model = ServerFixture.ModelName, prompt });
        status.Should().Be(413);
        ((string)body["error"]!["message"]!).Should().Contain("limit");
    }

    [Fact]
    public async Task Health_metrics_plugins_and_the_OpenAPI_document_are_served()
    {
        await server.PostAsync("/v1/completions", new { model = ServerFixture.ModelName, prompt = Prompt, max_tokens = 3 });

        var health = JsonNode.Parse(await server.Http.GetStringAsync("/health"))!;
        ((string)health["status"]!).Should().Be("ok");
        var metrics = await server.Http.GetStringAsync("/metrics");
        metrics.Should().Contain("gpt2kit_tokens_generated").And.Contain("gpt2kit_requests_running").And.Contain("gpt2kit_time_to_first_token")
            .And.Contain("gpt2kit_batch_rows").And.Contain("gpt2kit_queue_time").And.Contain("gpt2kit_requests_waiting");
        var plugins = JsonNode.Parse(await server.Http.GetStringAsync("/v1/plugins"))!;
        plugins["failures"]!.AsArray().Should().BeEmpty();
        var openApi = await server.Http.GetStringAsync("/openapi/v1.json");
        openApi.Should().Contain("/v1/chat/completions").And.Contain("/v1/completions").And.Contain("/v1/models");
        (await server.Http.GetAsync("/v1/nothing")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
