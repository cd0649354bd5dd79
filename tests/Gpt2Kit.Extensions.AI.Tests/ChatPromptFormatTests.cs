using Microsoft.Extensions.AI;

namespace Gpt2Kit.Extensions.AI.Tests;

public sealed class ChatPromptFormatTests
{
    [Fact]
    public void Default_WritesSystemTextThenATranscript_EndingWithTheAssistantLabel()
    {
        ChatMessage[] messages =
        [
            new(ChatRole.System, "You are terse."),
            new(ChatRole.User, "Hi there "),
            new(ChatRole.Assistant, " Hello."),
            new(ChatRole.User, "What is 2+2?"),
        ];

        string prompt = ChatPromptFormat.Default.Format(messages, new ChatOptions { Instructions = "Answer in digits." });

        prompt.Should().Be("You are terse.\nAnswer in digits.\n\nUser: Hi there\nAssistant: Hello.\nUser: What is 2+2?\nAssistant:");
    }

    [Fact]
    public void Default_WithoutSystemText_StartsWithTheFirstTurn()
    {
        string prompt = ChatPromptFormat.Default.Format([new ChatMessage(ChatRole.User, "Hello")]);

        prompt.Should().Be("User: Hello\nAssistant:");
        ChatPromptFormat.Default.StopSequences.Should().Equal("\nUser:");
    }

    [Fact]
    public void OtherRoles_UseTheirCapitalizedName()
    {
        string prompt = ChatPromptFormat.Default.Format([new ChatMessage(ChatRole.Tool, "42"), new ChatMessage(new ChatRole("narrator"), "Later.")]);

        prompt.Should().Be("Tool: 42\nNarrator: Later.\nAssistant:");
    }

    [Fact]
    public void Labels_CanBeReplaced_AndTheStopSequenceFollowsTheUserLabel()
    {
        var format = new ChatPromptFormat { UserLabel = "Q", AssistantLabel = "A" };

        format.Format([new ChatMessage(ChatRole.User, "Why?")]).Should().Be("Q: Why?\nA:");
        format.StopSequences.Should().Equal("\nQ:");
        new ChatPromptFormat { StopSequences = ["###"] }.StopSequences.Should().Equal("###");
    }
}
