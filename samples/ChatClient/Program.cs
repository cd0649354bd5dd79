// ChatClient: GPT-2 behind Microsoft.Extensions.AI's IChatClient, registered with dependency injection. GPT-2 is not a
// chat model; the conversation is sent as a plain transcript ("User: ..." / "Assistant: ...", ending with "Assistant:")
// and each reply stops where the model starts the next "User:" turn (see README.md).
//   dotnet run --project samples/ChatClient [-- MODEL] [--interactive]
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

bool interactive = args.Contains("--interactive");
string[] positional = args.Where(a => a != "--interactive").ToArray();
string folder = SampleModel.Resolve(positional.FirstOrDefault());

var services = new ServiceCollection();
services.AddGpt2Kit().AddGpt2Model(folder).AddGpt2KitChatClient();
await using var provider = services.BuildServiceProvider();
var chat = provider.GetRequiredService<IChatClient>();

List<ChatMessage> history = [new(ChatRole.System, "A conversation with a helpful assistant.")];
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
IEnumerable<string> questions = interactive ? ReadQuestions() : ["Hello! Who are you?", "What is your favourite book?"];
foreach (string question in questions)
{
    if (!interactive)
    {
        Console.WriteLine($"User: {question}");
    }

    history.Add(new ChatMessage(ChatRole.User, question));
    Console.Write("Assistant: ");
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
        Console.Write("User: ");
        string? line = Console.ReadLine();
        if (string.IsNullOrWhiteSpace(line))
        {
            yield break;
        }

        yield return line;
    }
}
