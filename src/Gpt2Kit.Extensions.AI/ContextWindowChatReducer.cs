using Gpt2Kit.Tokenization;
using Microsoft.Extensions.AI;

namespace Gpt2Kit.Extensions.AI;

/// <summary>An <see cref="IChatReducer"/> that leaves out the oldest turns until the formatted transcript fits a token
/// budget (the model's context less the reply's tokens). The system text and the last message always stay; if even they
/// do not fit, the conversation is returned with only them and the generator's length error says so.</summary>
/// <remarks>Immutable; thread-safe as long as the tokenizer and format are. The cut is found by binary search over how
/// many turns to drop (dropping more never lengthens the transcript), so a conversation of n messages costs O(log n)
/// tokenizations of the transcript, not one per dropped turn.</remarks>
/// <param name="tokenizer">Counts the transcript's tokens.</param>
/// <param name="format">Writes the transcript.</param>
/// <param name="tokenBudget">The most tokens the transcript may have.</param>
/// <param name="options">The request's chat options (their instructions join the system text).</param>
public sealed class ContextWindowChatReducer(ITokenizer tokenizer, ChatPromptFormat format, int tokenBudget, ChatOptions? options = null) : IChatReducer
{
    /// <inheritdoc/>
    public Task<IEnumerable<ChatMessage>> ReduceAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var all = messages.ToList();
        var system = all.Where(m => m.Role == ChatRole.System).ToList();
        var turns = all.Where(m => m.Role != ChatRole.System).ToList();
        if (Fits(all))
        {
            return Task.FromResult<IEnumerable<ChatMessage>>(all);
        }

        // Smallest number of oldest turns to drop so the rest fits; the last turn is never dropped.
        int low = 1, high = Math.Max(0, turns.Count - 1);
        while (low < high)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int middle = low + ((high - low) / 2);
            if (Fits(Keep(system, turns, middle)))
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return Task.FromResult<IEnumerable<ChatMessage>>(Keep(system, turns, Math.Min(low, Math.Max(0, turns.Count - 1))));
    }

    private bool Fits(List<ChatMessage> conversation) => tokenizer.Encode(format.Format(conversation, options)).Length <= tokenBudget;

    // The system messages keep their places relative to each other; the format writes them first anyway.
    private static List<ChatMessage> Keep(List<ChatMessage> system, List<ChatMessage> turns, int dropped) => [.. system, .. turns.Skip(dropped)];
}
