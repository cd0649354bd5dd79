using System.Text.Json;
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Testing;
using Microsoft.Extensions.AI;

namespace Gpt2Kit.Extensions.AI.Tests;

/// <summary>The chat client over the real generator and the gpt2-tiny checkpoint: options given as ChatOptions must give
/// exactly the token ids Hugging Face generate() gives for the same settings (generate.json).</summary>
public sealed class TinyCheckpointEndToEndTests : IClassFixture<TinyCheckpointEndToEndTests.TinyGenerator>
{
    private readonly TextGenerator _generator;
    private readonly Gpt2Model _model;

    public TinyCheckpointEndToEndTests(TinyGenerator tiny)
    {
        _generator = tiny.Generator;
        _model = tiny.Model;
    }

    /// <summary>Loads the checkpoint once for the class.</summary>
    public sealed class TinyGenerator : IDisposable
    {
        public TinyGenerator() => Generator = TextGenerator.Create(Model, Gpt2Tokenizer.Default);

        public Gpt2Model Model { get; } = Gpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny"));

        public TextGenerator Generator { get; }

        public void Dispose() => Model.Dispose();
    }

    /// <summary>A format that sends the fixture's prompt text as it is, with no stop sequence.</summary>
    private sealed class VerbatimPromptFormat(string prompt) : ChatPromptFormat
    {
        public override IReadOnlyList<string> StopSequences => [];

        public override string Format(IEnumerable<ChatMessage> messages, ChatOptions? options = null) => prompt;
    }

    private (Gpt2KitChatClient Client, int[] Expected, int PromptLength) ClientFor(string caseName)
    {
        var testCase = FixtureCases.Generate.Single(c => c.Name == caseName && c.Checkpoint == "gpt2-tiny");
        int[] input = testCase.InputIds[0];
        int[] expected = testCase.Expected.Sequences[0];
        string prompt = _generator.Tokenizer.Decode(input);
        _generator.Tokenizer.Encode(prompt).Should().Equal(input, "the fixture prompt must survive a decode/encode round trip");
        return (new Gpt2KitChatClient(_generator, new Gpt2KitChatClientOptions { PromptFormat = new VerbatimPromptFormat(prompt) }), expected, input.Length);
    }

    private static readonly ChatMessage[] AnyConversation = [new(ChatRole.User, "ignored by the verbatim format")];

    [Fact]
    public async Task GreedyWithRepetitionPenalty_GivesTheReferenceTokens_TextAndUsage()
    {
        var (client, expected, promptLength) = ClientFor("greedy_repetition_penalty");
        var options = new ChatOptions { MaxOutputTokens = 20, AdditionalProperties = new() { ["repetition_penalty"] = 1.3 } };

        var response = await client.GetResponseAsync(AnyConversation, options);

        var result = response.RawRepresentation.Should().BeOfType<GenerationResult>().Subject;
        result.Sequences[0].Should().Equal(expected);
        response.Text.Should().Be(_generator.Tokenizer.Decode(expected.AsSpan(promptLength), skipSpecialTokens: true).TrimStart());
        response.FinishReason.Should().Be(ChatFinishReason.Length);
        response.Usage!.InputTokenCount.Should().Be(promptLength);
        response.Usage.OutputTokenCount.Should().Be(expected.Length - promptLength);
    }

    [Fact]
    public async Task Streaming_GivesTheSameReplyAsTheWholeResponse()
    {
        var (client, expected, promptLength) = ClientFor("greedy_single");
        var options = new ChatOptions { MaxOutputTokens = 16, Temperature = 0 };

        var streamed = await client.GetStreamingResponseAsync(AnyConversation, options).ToChatResponseAsync();

        streamed.Text.Should().Be(_generator.Tokenizer.Decode(expected.AsSpan(promptLength), skipSpecialTokens: true).TrimStart());
        streamed.FinishReason.Should().Be(ChatFinishReason.Length);
        streamed.Usage!.InputTokenCount.Should().Be(promptLength);
        streamed.Usage.OutputTokenCount.Should().Be(16);
    }

    [Fact]
    public async Task BeamSearchThroughAdditionalProperties_GivesTheReferenceTokens()
    {
        var (client, expected, _) = ClientFor("beam4");
        var options = new ChatOptions { MaxOutputTokens = 10, AdditionalProperties = new() { ["num_beams"] = JsonSerializer.SerializeToElement(4) } };

        var response = await client.GetResponseAsync(AnyConversation, options);

        ((GenerationResult)response.RawRepresentation!).Sequences[0].Should().Equal(expected);
    }

    [Fact]
    public async Task GeneratorDefaults_AreTheStartingPoint()
    {
        var (_, expected, promptLength) = ClientFor("greedy_repetition_penalty");
        var generator = TextGenerator.Create(_model, Gpt2Tokenizer.Default, new GenerationOptions { RepetitionPenalty = 1.3, MaxNewTokens = 20 });
        var client = new Gpt2KitChatClient(generator, new Gpt2KitChatClientOptions { PromptFormat = new VerbatimPromptFormat(generator.Tokenizer.Decode(expected.AsSpan(0, promptLength))) });

        var response = await client.GetResponseAsync(AnyConversation);

        ((GenerationResult)response.RawRepresentation!).Sequences[0].Should().Equal(expected);
    }

    [Fact]
    public async Task DefaultFormat_StreamedAndWholeRepliesAgree_AndNeverContainTheNextTurn()
    {
        var client = new Gpt2KitChatClient(_generator);
        ChatMessage[] conversation = [new(ChatRole.System, "A friendly assistant."), new(ChatRole.User, "Hello!")];
        var options = new ChatOptions { MaxOutputTokens = 24 };

        var whole = await client.GetResponseAsync(conversation, options);
        var streamed = await client.GetStreamingResponseAsync(conversation, options).ToChatResponseAsync();

        streamed.Text.Should().Be(whole.Text);
        streamed.FinishReason.Should().Be(whole.FinishReason);
        streamed.Usage!.OutputTokenCount.Should().Be(whole.Usage!.OutputTokenCount);
        whole.Text.Should().NotContain("\nUser:");
        whole.Usage.InputTokenCount.Should().Be(_generator.Tokenizer.Encode("A friendly assistant.\n\nUser: Hello!\nAssistant:").Length);
    }
}
