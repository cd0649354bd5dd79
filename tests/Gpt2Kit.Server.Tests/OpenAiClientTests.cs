using System.ClientModel;
using Gpt2Kit.Decoding;
using Gpt2Kit.Extensions.AI;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;
using ChatMessage = OpenAI.Chat.ChatMessage;

namespace Gpt2Kit.Server.Tests;

/// <summary>The official OpenAI .NET client (directly and through Microsoft.Extensions.AI) against the server on a loopback
/// socket: the replies equal what the library gives for the same settings.</summary>
public sealed class OpenAiClientTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Question = "What is the capital of France?";

    private static string Prompt(string question) =>
        ChatPromptFormat.Default.Format([new Microsoft.Extensions.AI.ChatMessage(ChatRole.User, question)]);

    private async Task<GenerationResult> Library(string prompt, Action<GenerationOptions> configure, bool chat = true)
    {
        var options = server.LibraryOptions(o =>
        {
            configure(o);
            if (chat)
            {
                o.StopStrings = [.. o.StopStrings ?? [], .. ChatPromptFormat.Default.StopSequences];
            }
        });
        return await server.Library.GenerateAsync(GenerationRequest.FromText(prompt, options));
    }

    [Fact]
    public async Task Greedy_chat_equals_the_library()
    {
        var chat = server.OpenAi().GetChatClient(ServerFixture.ModelName);
        ChatCompletion reply = await chat.CompleteChatAsync([ChatMessage.CreateUserMessage(Question)],
            new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 12 });

        var expected = await Library(Prompt(Question), o => { o.DoSample = false; o.MaxNewTokens = 12; });
        reply.Content.Single().Text.Should().Be(expected.Texts[0].TrimStart());
        reply.FinishReason.Should().Be(expected.FinishReasons[0] == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop);
        reply.Usage.OutputTokenCount.Should().BeGreaterThan(0).And.BeLessThanOrEqualTo(12);
        reply.Usage.InputTokenCount.Should().Be(server.Library.Tokenizer.Encode(Prompt(Question)).Length);
        reply.Model.Should().Be(ServerFixture.ModelName);
    }

    [Fact]
    public async Task Streaming_chat_gives_the_same_text_and_reports_usage()
    {
        var chat = server.OpenAi().GetChatClient(ServerFixture.ModelName);
        var options = new ChatCompletionOptions { Temperature = 0.9f, TopP = 0.95f, Seed = 11, MaxOutputTokenCount = 20 };
        var text = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([ChatMessage.CreateUserMessage(Question)], options))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        var expected = await Library(Prompt(Question), o => { o.DoSample = true; o.Temperature = 0.9; o.TopP = 0.95; o.Seed = 11; o.MaxNewTokens = 20; });
        text.ToString().Should().Be(expected.Texts[0].TrimStart());
        finish.Should().NotBeNull();
        usage.Should().NotBeNull("the client asks for stream_options.include_usage");
        usage!.OutputTokenCount.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Logprobs_are_the_library_token_logprobs_with_top_alternatives()
    {
        var chat = server.OpenAi().GetChatClient(ServerFixture.ModelName);
        ChatCompletion reply = await chat.CompleteChatAsync([ChatMessage.CreateUserMessage(Question)],
            new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 6, IncludeLogProbabilities = true, TopLogProbabilityCount = 3 });

        var expected = await Library(Prompt(Question), o => { o.DoSample = false; o.MaxNewTokens = 6; });
        var logprobs = reply.ContentTokenLogProbabilities;
        logprobs.Should().HaveCount(reply.Usage.OutputTokenCount);
        for (int i = 0; i < logprobs.Count; i++)
        {
            logprobs[i].LogProbability.Should().BeApproximately(expected.TokenLogprobs[0][i], 1e-5f);
            logprobs[i].TopLogProbabilities.Should().HaveCount(3);
            // Greedy: the chosen token is the most likely one.
            logprobs[i].TopLogProbabilities[0].Token.Should().Be(logprobs[i].Token);
        }
    }

    [Fact]
    public async Task Seeded_sampling_through_Microsoft_Extensions_AI_equals_the_library()
    {
        IChatClient client = server.OpenAi().GetChatClient(ServerFixture.ModelName).AsIChatClient();
        var response = await client.GetResponseAsync(Question, new ChatOptions { Temperature = 0.7f, Seed = 5, MaxOutputTokens = 16 });

        var expected = await Library(Prompt(Question), o => { o.DoSample = true; o.Temperature = 0.7; o.Seed = 5; o.MaxNewTokens = 16; });
        response.Text.Should().Be(expected.Texts[0].TrimStart());
        response.Usage!.OutputTokenCount.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task The_client_sees_OpenAI_errors_with_the_status()
    {
        var chat = server.OpenAi().GetChatClient(ServerFixture.ModelName);
        var bad = await FluentActions.Awaiting(() => chat.CompleteChatAsync([ChatMessage.CreateUserMessage(Question)],
                new ChatCompletionOptions { TopP = 1.5f }))
            .Should().ThrowAsync<ClientResultException>();
        bad.Which.Status.Should().Be(400);
        bad.Which.Message.Should().Contain("top_p").And.Contain("1.5");

        var missing = await FluentActions.Awaiting(() => server.OpenAi().GetChatClient("gpt-4o").CompleteChatAsync([ChatMessage.CreateUserMessage(Question)]))
            .Should().ThrowAsync<ClientResultException>();
        missing.Which.Status.Should().Be(404);
        missing.Which.Message.Should().Contain("gpt-4o");
    }

    [Fact]
    public async Task The_model_list_names_the_served_model()
    {
        var models = await server.OpenAi().GetOpenAIModelClient().GetModelsAsync();
        models.Value.Select(m => m.Id).Should().Equal(ServerFixture.ModelName);
    }
}
