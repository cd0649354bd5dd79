// ChatClient: GPT-2 behind Microsoft.Extensions.AI's IChatClient, registered with dependency injection. GPT-2 is not a
// chat model: it continues text. The library's default format writes the conversation as a "User: ..." / "Assistant: ..."
// transcript (see README.md); this sample derives its own format instead, a story in which Tom and Lily talk, because the
// demo checkpoint knows nothing but children's stories (real gpt2 follows it too).
//   dotnet run --project samples/ChatClient [-- MODEL] [--interactive]
using System.Text;
using Gpt2Kit.Extensions.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

bool interactive = args.Contains("--interactive");
string[] positional = args.Where(a => a != "--interactive").ToArray();
string folder = SampleModel.Resolve(positional.FirstOrDefault());

var services = new ServiceCollection();
services.AddGpt2Kit().AddGpt2Model(folder).AddGpt2KitChatClient(o => o.PromptFormat = new StoryDialogueFormat { UserLabel = "Tom", AssistantLabel = "Lily" });
await using var provider = services.BuildServiceProvider();
var chat = provider.GetRequiredService<IChatClient>();

List<ChatMessage> history = [new(ChatRole.System, "Once upon a time, there was a kind girl named Lily. One day, Lily met Tom in the park.")];
var options = new ChatOptions
{
    MaxOutputTokens = 40,
    Temperature = 0.7f,
    TopP = 0.9f,
    Seed = 1,
    AdditionalProperties = new() { ["repetition_penalty"] = 1.2 }, // any Hugging Face setting, by its Hugging Face name
};

var metadata = chat.GetService<ChatClientMetadata>();
Console.WriteLine($"{metadata?.ProviderName} / {metadata?.DefaultModelId}");
IEnumerable<string> questions = interactive ? ReadQuestions() : ["Hello, Lily! Do you want to play?", "Can you help me find my ball?"];
foreach (string question in questions)
{
    if (!interactive)
    {
        Console.WriteLine($"Tom: {question}");
    }

    history.Add(new ChatMessage(ChatRole.User, question));
    Console.Write("Lily: ");
    var updates = new List<ChatResponseUpdate>();
    await foreach (var update in chat.GetStreamingResponseAsync(history, options))
    {
        Console.Write(update.Text);
        updates.Add(update);
    }

    var reply = updates.ToChatResponse();
    history.AddMessages(reply);
    Console.WriteLine($"\n  [{reply.FinishReason}; {reply.Usage?.InputTokenCount} prompt + {reply.Usage?.OutputTokenCount} reply tokens]");
}

static IEnumerable<string> ReadQuestions()
{
    while (true)
    {
        Console.Write("Tom: ");
        string? line = Console.ReadLine();
        if (string.IsNullOrWhiteSpace(line))
        {
            yield break;
        }

        yield return line;
    }
}

/// <summary>The conversation as a story: the system text, then each turn as quoted speech (<c>"..." said Tom.</c>), ending
/// with an opening quote for the assistant. The reply is what the model writes up to the closing quote.</summary>
internal sealed class StoryDialogueFormat : ChatPromptFormat
{
    public override IReadOnlyList<string> StopSequences => ["\""];

    public override string Format(IEnumerable<ChatMessage> messages, ChatOptions? options = null)
    {
        var list = messages.ToList();
        var story = new StringBuilder();
        story.AppendJoin(' ', list.Where(m => m.Role == ChatRole.System).Select(m => m.Text.Trim()));
        foreach (var message in list.Where(m => m.Role != ChatRole.System))
        {
            story.Append($" \"{message.Text.Trim()}\" said {LabelOf(message.Role)}.");
        }

        return story.Append(" \"").ToString().TrimStart();
    }
}
