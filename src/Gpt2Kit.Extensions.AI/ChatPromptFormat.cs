using System.Text;
using Microsoft.Extensions.AI;

namespace Gpt2Kit.Extensions.AI;

/// <summary>How a conversation becomes a GPT-2 prompt. GPT-2 is not a chat model: it continues text, so the conversation
/// is written as a plain transcript that the model continues after the assistant's label, and generation stops where
/// the model starts writing the user's next turn.</summary>
/// <remarks>
/// <para>The default format:</para>
/// <code>
/// {system message 1}
/// {system message 2}
/// {ChatOptions.Instructions}
///
/// User: {text}
/// Assistant: {text}
/// User: {text}
/// Assistant:
/// </code>
/// <para>System text (every system message, in order, then <see cref="ChatOptions.Instructions"/>) comes first, followed by
/// an empty line; it is left out entirely when there is none. Each other message is one <c>Label: text</c> entry (its text
/// trimmed; <see cref="ChatRole.Tool"/> and custom roles use their role name, capitalized). The prompt always ends with
/// <c>Assistant:</c> and no space: GPT-2's tokens carry their leading space. <see cref="StopSequences"/> (by default
/// <c>"\nUser:"</c>) end the reply when the model begins the next user turn; the reply's leading whitespace and the stop
/// sequence itself are not part of the response text.</para>
/// <para>Derive and override <see cref="Format"/> for another layout, or set the labels. Immutable; thread-safe.</para>
/// </remarks>
public class ChatPromptFormat
{
    private readonly IReadOnlyList<string>? _stopSequences;

    /// <summary>The format described above.</summary>
    public static ChatPromptFormat Default { get; } = new();

    /// <summary>The label of user turns. Default <c>User</c>.</summary>
    public string UserLabel { get; init; } = "User";

    /// <summary>The label of assistant turns, and the label the prompt ends with. Default <c>Assistant</c>.</summary>
    public string AssistantLabel { get; init; } = "Assistant";

    /// <summary>Text that ends the reply; added to every request's <c>stop_strings</c>. Default: a new line followed by
    /// <see cref="UserLabel"/> and a colon (<c>"\nUser:"</c>).</summary>
    public virtual IReadOnlyList<string> StopSequences
    {
        get => _stopSequences ?? ["\n" + UserLabel + ":"];
        init => _stopSequences = value;
    }

    /// <summary>Writes the conversation as the prompt the model continues.</summary>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="options">The request's options; <see cref="ChatOptions.Instructions"/> join the system text.</param>
    public virtual string Format(IEnumerable<ChatMessage> messages, ChatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.ToList();
        var prompt = new StringBuilder();

        var system = list.Where(m => m.Role == ChatRole.System).Select(m => m.Text.Trim()).ToList();
        if (!string.IsNullOrWhiteSpace(options?.Instructions))
        {
            system.Add(options.Instructions.Trim());
        }

        system.RemoveAll(string.IsNullOrEmpty);
        if (system.Count > 0)
        {
            prompt.AppendJoin('\n', system).Append("\n\n");
        }

        foreach (var message in list.Where(m => m.Role != ChatRole.System))
        {
            string text = message.Text.Trim();
            prompt.Append(LabelOf(message.Role)).Append(':');
            if (text.Length > 0)
            {
                prompt.Append(' ').Append(text);
            }

            prompt.Append('\n');
        }

        return prompt.Append(AssistantLabel).Append(':').ToString();
    }

    /// <summary>The label written for a role.</summary>
    protected virtual string LabelOf(ChatRole role) =>
        role == ChatRole.User ? UserLabel
        : role == ChatRole.Assistant ? AssistantLabel
        : role.Value.Length == 0 ? "Unknown"
        : char.ToUpperInvariant(role.Value[0]) + role.Value[1..];
}
