using System.Text.Json;
using Gpt2Kit.Decoding;
using Gpt2Kit.Models;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.AI;
using GenerationFinishReason = Gpt2Kit.Decoding.FinishReason;

namespace Gpt2Kit.Extensions.AI.Tests;

public sealed class Gpt2KitChatClientTests
{
    private readonly ScriptedTextGenerator _generator = new();

    private static readonly ChatMessage[] Conversation = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hi")];

    private const string ConversationPrompt = "Be brief.\n\nUser: Hi\nAssistant:";

    private GenerationOptions Recorded => _generator.Requests.Single().Options!;

    [Fact]
    public async Task Request_IsTheFormattedTranscript_WithTheFormatsStopAndADefaultTokenBudget()
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" Hello"));

        await client.GetResponseAsync(Conversation);

        var request = _generator.Requests.Single();
        request.Prompts.Should().Equal(ConversationPrompt);
        request.InputIds.Should().BeNull();
        Recorded.MaxNewTokens.Should().Be(128);
        Recorded.StopStrings.Should().Equal("\nUser:");
        Recorded.DoSample.Should().BeNull("without sampling options the request leaves do_sample unset, so the lower layers (greedy by default) decide");
        Recorded.TopK.Should().BeNull("the library default (50) lies under every layer; the request does not repeat it");
    }

    [Fact]
    public async Task ALongConversation_DropsItsOldestTurns_KeepingTheSystemTextAndTheLastMessage_ToFitTheContext()
    {
        // One token per character: a 70-token window with a 10-token reply leaves 60 for the transcript (the whole one is 80).
        _generator.Model = _generator.Model with { ContextLength = 70 };
        using var client = new Gpt2KitChatClient(_generator.Say(" ok"));
        ChatMessage[] conversation =
        [
            new(ChatRole.System, "Be brief."),
            new(ChatRole.User, "First question"),
            new(ChatRole.Assistant, "First answer"),
            new(ChatRole.User, "Second?"),
        ];

        await client.GetResponseAsync(conversation, new ChatOptions { MaxOutputTokens = 10 });

        string prompt = _generator.Requests.Single().Prompts![0];
        prompt.Should().Be("Be brief.\n\nAssistant: First answer\nUser: Second?\nAssistant:");
        _generator.Tokenizer.Encode(prompt).Length.Should().BeLessThanOrEqualTo(60);
    }

    [Fact]
    public async Task AFortyThousandMessageConversation_IsTrimmedByBinarySearch_KeepingTheNewestTurnsThatFit()
    {
        // One token per character: 200 positions less a 10-token reply. Dropping turns one by one would re-tokenize the
        // whole transcript 40,000 times; the reducer needs about 16 tokenizations.
        _generator.Model = _generator.Model with { ContextLength = 200 };
        using var client = new Gpt2KitChatClient(_generator.Say(" ok"));
        var conversation = new List<ChatMessage> { new(ChatRole.System, "Be brief.") };
        conversation.AddRange(Enumerable.Range(0, 40_000).Select(i => new ChatMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, $"m{i}")));

        await client.GetResponseAsync(conversation, new ChatOptions { MaxOutputTokens = 10 });

        string prompt = _generator.Requests.Single().Prompts![0];
        _generator.Tokenizer.Encode(prompt).Length.Should().BeLessThanOrEqualTo(190);
        prompt.Should().StartWith("Be brief.\n\n").And.EndWith("User: m39998\nAssistant: m39999\nAssistant:");
        var withOneMore = new ContextWindowChatReducer(_generator.Tokenizer, ChatPromptFormat.Default, 190);
        var keptTurns = (await withOneMore.ReduceAsync(conversation, CancellationToken.None)).Count() - 1;
        ChatPromptFormat.Default.Format([conversation[0], .. conversation.TakeLast(keptTurns + 1)]).Length.Should().BeGreaterThan(190, "one more turn would not fit");
    }

    [Fact]
    public async Task AConversationThatFits_IsSentWhole()
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" ok"));
        ChatMessage[] conversation =
        [
            new(ChatRole.System, "Be brief."),
            new(ChatRole.User, "First question"),
            new(ChatRole.Assistant, "First answer"),
            new(ChatRole.User, "Second?"),
        ];

        await client.GetResponseAsync(conversation, new ChatOptions { MaxOutputTokens = 10 });

        _generator.Requests.Single().Prompts![0].Should().Be("Be brief.\n\nUser: First question\nAssistant: First answer\nUser: Second?\nAssistant:");
    }

    [Fact]
    public async Task EveryChatOption_MapsToItsHuggingFaceSetting()
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" ok"));
        var options = new ChatOptions
        {
            MaxOutputTokens = 7,
            Temperature = 0.7f,
            TopP = 0.9f,
            TopK = 40,
            StopSequences = ["END"],
            Seed = 42,
            FrequencyPenalty = 0.5f,
            PresencePenalty = 0.25f,
        };

        await client.GetResponseAsync(Conversation, options);

        Recorded.MaxNewTokens.Should().Be(7);
        Recorded.DoSample.Should().BeTrue();
        Recorded.Temperature.Should().Be(0.7, "0.7f means 0.7, not 0.699999988");
        Recorded.TopP.Should().Be(0.9);
        Recorded.TopK.Should().Be(40);
        Recorded.StopStrings.Should().Equal("\nUser:", "END");
        Recorded.Seed.Should().Be(42);
        Recorded.FrequencyPenalty.Should().Be(0.5);
        Recorded.PresencePenalty.Should().Be(0.25);
    }

    [Fact]
    public async Task TemperatureZero_MeansGreedy_EvenWithTopP()
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" ok"));

        await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, TopP = 0.5f });

        Recorded.DoSample.Should().BeFalse();
        Recorded.Temperature.Should().BeNull("Hugging Face rejects a temperature of 0, so it is left unset");
        Recorded.TopP.Should().Be(0.5);
    }

    [Theory]
    [InlineData(0.8f, null)]
    [InlineData(null, 20)]
    public async Task TopPOrTopKAlone_TurnSamplingOn(float? topP, int? topK)
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" ok"));

        await client.GetResponseAsync(Conversation, new ChatOptions { TopP = topP, TopK = topK });

        Recorded.DoSample.Should().BeTrue();
    }

    [Fact]
    public async Task HuggingFaceKnobs_InAdditionalProperties_AreBoundByTheirHuggingFaceNames_AndWin()
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" ok"));
        var options = new ChatOptions
        {
            Temperature = 0.9f,
            AdditionalProperties = new()
            {
                ["repetition_penalty"] = 1.3,
                ["num_beams"] = 3,
                ["no_repeat_ngram_size"] = JsonSerializer.SerializeToElement(2),
                ["early_stopping"] = "never",
                ["bad_words_ids"] = new[] { new[] { 11, 12 } },
                ["do_sample"] = false,
                ["max_new_tokens"] = 9,
                ["some_other_middlewares_key"] = "ignored",
            },
        };

        await client.GetResponseAsync(Conversation, options);

        Recorded.RepetitionPenalty.Should().Be(1.3);
        Recorded.NumBeams.Should().Be(3);
        Recorded.NoRepeatNgramSize.Should().Be(2);
        Recorded.EarlyStopping.Should().Be(EarlyStopping.Never);
        Recorded.BadWordsIds.Should().ContainSingle().Which.Should().Equal(11, 12);
        Recorded.DoSample.Should().BeFalse("an explicit do_sample wins over the temperature's implication");
        Recorded.Temperature.Should().Be(0.9);
        Recorded.MaxNewTokens.Should().Be(9);
    }

    [Fact]
    public async Task AWrongAdditionalProperty_FailsNamingTheKey()
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" ok"));
        var options = new ChatOptions { AdditionalProperties = new() { ["repetition_penalty"] = "strong" } };

        var act = () => client.GetResponseAsync(Conversation, options);

        (await act.Should().ThrowAsync<GenerationConfigurationException>()).Which.Message.Should().Contain("repetition_penalty").And.Contain("strong");
        _generator.Requests.Should().BeEmpty();
    }

    [Theory]
    [InlineData("max_new_tokens")]
    [InlineData("temperature")]
    [InlineData("top_p")]
    [InlineData("top_k")]
    [InlineData("num_return_sequences")]
    public async Task OutOfRangeOptions_FailNamingTheOption(string name)
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" ok"));
        var options = name switch
        {
            "max_new_tokens" => new ChatOptions { MaxOutputTokens = 0 },
            "temperature" => new ChatOptions { Temperature = -0.5f },
            "top_p" => new ChatOptions { TopP = 1.5f },
            "top_k" => new ChatOptions { TopK = -1 },
            _ => new ChatOptions { AdditionalProperties = new() { ["num_return_sequences"] = 2, ["num_beams"] = 2 } },
        };

        var act = () => client.GetResponseAsync(Conversation, options);

        (await act.Should().ThrowAsync<GenerationConfigurationException>()).Which.SettingPath.Should().Be(name);
    }

    [Fact]
    public async Task An_out_of_range_value_gives_the_librarys_message()
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" ok"));

        var act = () => client.GetResponseAsync(Conversation, new ChatOptions { TopP = 1.5f });

        (await act.Should().ThrowAsync<GenerationConfigurationException>()).Which.Message
            .Should().Be("top_p: '1.5' is not allowed; expected a number in [0, 1].", "the library, configuration and the CLI say the same");
    }

    [Fact]
    public async Task GeneratorDefaults_AreTheStartingPoint()
    {
        _generator.Defaults = new GenerationOptions { MaxNewTokens = 33, RepetitionPenalty = 1.15, StopStrings = ["\n\n"] };
        using var client = new Gpt2KitChatClient(_generator.Say(" ok"));

        await client.GetResponseAsync(Conversation, new ChatOptions { StopSequences = ["x"] });

        Recorded.MaxNewTokens.Should().Be(33);
        Recorded.RepetitionPenalty.Should().Be(1.15);
        Recorded.StopStrings.Should().Equal("\n\n", "\nUser:", "x");
        _generator.Defaults.StopStrings.Should().Equal(["\n\n"], "the defaults are copied, never changed");
    }

    [Fact]
    public async Task Response_IsTheTrimmedReply_CutAtTheNextUserTurn_WithStopAndUsage()
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" Hello", " there.", "\n", "User", ":"));
        _generator.Finish = GenerationFinishReason.StopString;

        var response = await client.GetResponseAsync(Conversation);

        response.Text.Should().Be("Hello there.");
        response.Messages.Should().ContainSingle().Which.Role.Should().Be(ChatRole.Assistant);
        response.FinishReason.Should().Be(ChatFinishReason.Stop);
        response.ModelId.Should().Be("scripted-gpt2");
        response.Usage!.InputTokenCount.Should().Be(ConversationPrompt.Length, "the double's tokenizer makes one token per character");
        response.Usage.OutputTokenCount.Should().Be(5);
        response.Usage.TotalTokenCount.Should().Be(ConversationPrompt.Length + 5);
    }

    [Theory]
    [InlineData(GenerationFinishReason.Length, "length")]
    [InlineData(GenerationFinishReason.Time, "length")]
    [InlineData(GenerationFinishReason.EndOfSequence, "stop")]
    [InlineData(GenerationFinishReason.StopString, "stop")]
    public async Task FinishReason_IsTheGeneratorsReason(GenerationFinishReason reason, string expected)
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" a", " b"));
        _generator.Finish = reason;

        var response = await client.GetResponseAsync(Conversation);

        response.FinishReason.Should().Be(new ChatFinishReason(expected));
        response.Text.Should().Be("a b");
    }

    [Fact]
    public async Task EndOfText_EndsTheReply_AndCountsAsOneOutputToken()
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" Bye", ".", "<|endoftext|>"));
        _generator.Finish = GenerationFinishReason.EndOfSequence;

        var response = await client.GetResponseAsync(Conversation);

        response.Text.Should().Be("Bye.");
        response.FinishReason.Should().Be(ChatFinishReason.Stop);
        response.Usage!.OutputTokenCount.Should().Be(3);
    }

    [Fact]
    public async Task Streaming_ShowsTheReplyAsItComes_WithoutAnyPartOfTheStop_ThenFinishAndUsage()
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" Hello", " there", ".", "\n", "User", ":", " more"));
        _generator.Finish = GenerationFinishReason.Length;

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Conversation))
        {
            updates.Add(update);
        }

        updates.Where(u => u.Text.Length > 0).Select(u => u.Text).Should().Equal("Hello", " there", ".");
        updates.Select(u => u.ResponseId).Distinct().Should().ContainSingle();
        updates.Should().OnlyContain(u => u.Role == ChatRole.Assistant);
        var last = updates[^1];
        last.FinishReason.Should().Be(ChatFinishReason.Stop, "the stop sequence ended the reply");
        var usage = last.Contents.OfType<UsageContent>().Single().Details;
        usage.InputTokenCount.Should().Be(ConversationPrompt.Length);
        usage.OutputTokenCount.Should().Be(6, "the tokens up to the completed stop sequence");
        _generator.StreamDisposedEarly.Should().BeTrue("seeing the stop ends the generator's stream");
        _generator.TokensStreamed.Should().Be(6);
        updates.ToChatResponse().Text.Should().Be("Hello there.");
    }

    [Fact]
    public async Task Streaming_ReportsLength_WhenTheBudgetRunsOut()
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" one", " two", "\n"));
        _generator.Finish = GenerationFinishReason.Length;

        var response = await client.GetStreamingResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 3 }).ToChatResponseAsync();

        response.Text.Should().Be("one two\n", "a held-back possible stop start is released when generation ends");
        response.FinishReason.Should().Be(ChatFinishReason.Length);
        response.Usage!.OutputTokenCount.Should().Be(3);
        Recorded.MaxNewTokens.Should().Be(3);
    }

    [Fact]
    public async Task Streaming_LeavesOutTheEndOfTextToken()
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" Bye", "<|endoftext|>"));
        _generator.Finish = GenerationFinishReason.EndOfSequence;

        var response = await client.GetStreamingResponseAsync(Conversation).ToChatResponseAsync();

        response.Text.Should().Be("Bye");
        response.FinishReason.Should().Be(ChatFinishReason.Stop);
    }

    [Fact]
    public async Task Streaming_WithBeams_AnswersInOnePiece()
    {
        using var client = new Gpt2KitChatClient(_generator.Say(" Beam", " reply"));
        _generator.Finish = GenerationFinishReason.EndOfSequence;

        var updates = await ToListAsync(client.GetStreamingResponseAsync(Conversation, new ChatOptions { AdditionalProperties = new() { ["num_beams"] = 4 } }));

        updates.ToChatResponse().Text.Should().Be("Beam reply");
        updates.ToChatResponse().FinishReason.Should().Be(ChatFinishReason.Stop);
        _generator.TokensStreamed.Should().Be(0, "beam search results are taken whole");
    }

    [Fact]
    public async Task CancellationToken_ReachesTheGenerator()
    {
        using var cts = new CancellationTokenSource();
        using var client = new Gpt2KitChatClient(_generator.Say(" ok"));

        await client.GetResponseAsync(Conversation, cancellationToken: cts.Token);
        await foreach (var _ in client.GetStreamingResponseAsync(Conversation, cancellationToken: cts.Token))
        {
        }

        _generator.Tokens.Should().HaveCount(2);
        _generator.Tokens[0].Should().Be(cts.Token);
        cts.Cancel();
        _generator.Tokens[1].IsCancellationRequested.Should().BeTrue("the streaming call passes the caller's token on");
    }

    [Fact]
    public async Task CancellingMidStream_StopsTheGenerator()
    {
        using var cts = new CancellationTokenSource();
        using var client = new Gpt2KitChatClient(_generator.Say(" one", " two", " three"));
        _generator.BlockBeforeToken = 1;
        var received = new List<string>();

        var act = async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Conversation, cancellationToken: cts.Token))
            {
                received.Add(update.Text);
                cts.Cancel();
            }
        };

        await act.Should().ThrowAsync<OperationCanceledException>();
        received.Should().Equal("one");
        _generator.TokensStreamed.Should().Be(1);
    }

    [Fact]
    public void GetService_OffersMetadataGeneratorTokenizerAndModel()
    {
        using var client = new Gpt2KitChatClient(_generator);

        var metadata = client.GetService<ChatClientMetadata>();
        metadata!.ProviderName.Should().Be("gpt2kit");
        metadata.DefaultModelId.Should().Be("scripted-gpt2");
        client.GetService<ITextGenerator>().Should().BeSameAs(_generator);
        client.GetService<ITokenizer>().Should().BeSameAs(_generator.Tokenizer);
        client.GetService<ModelInfo>().Should().BeSameAs(_generator.Model);
        client.GetService<ChatPromptFormat>().Should().BeSameAs(ChatPromptFormat.Default);
        client.GetService<Gpt2KitChatClient>().Should().BeSameAs(client);
        client.GetService<ITextGenerator>(serviceKey: "other").Should().BeNull();
        client.GetService<IServiceProvider>().Should().BeNull();
    }

    [Fact]
    public async Task CustomPromptFormat_ReplacesPromptAndStop()
    {
        var format = new ChatPromptFormat { UserLabel = "Q", AssistantLabel = "A" };
        using var client = new Gpt2KitChatClient(_generator.Say(" 4", "\n", "Q", ":"), new Gpt2KitChatClientOptions { PromptFormat = format });

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "2+2?")]);

        _generator.Requests.Single().Prompts.Should().Equal("Q: 2+2?\nA:");
        Recorded.StopStrings.Should().Equal("\nQ:");
        response.Text.Should().Be("4");
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
