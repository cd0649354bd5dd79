using Gpt2Kit.Decoding;

namespace Gpt2Kit.Extensions.AI;

/// <summary>Settings of a <see cref="Gpt2KitChatClient"/>.</summary>
/// <remarks>Mutable; not thread-safe while being changed. The client copies the values when it is created.</remarks>
public sealed class Gpt2KitChatClientOptions
{
    /// <summary>How conversations become prompts. Default <see cref="ChatPromptFormat.Default"/>.</summary>
    public ChatPromptFormat PromptFormat { get; set; } = ChatPromptFormat.Default;

    /// <summary>The generation settings every request starts from, before <c>ChatOptions</c> are applied. Null: the generator's
    /// defaults (<c>TextGenerator.DefaultOptions</c>, or <c>GetService(typeof(GenerationOptions))</c> of other generators), else Hugging
    /// Face's defaults.</summary>
    public GenerationOptions? GenerationDefaults { get; set; }

    /// <summary>New tokens per reply when neither <c>ChatOptions.MaxOutputTokens</c> nor the defaults' <c>max_new_tokens</c> say
    /// (Hugging Face's <c>max_length</c> of 20 would count the whole transcript). Default 128; at least 1.</summary>
    public int DefaultMaxOutputTokens { get; set; } = 128;

    /// <summary>An <see cref="Microsoft.Extensions.AI.IChatReducer"/> applied to every conversation before it is fitted to
    /// the model's context (which <see cref="ContextWindowChatReducer"/> always does), e.g. a message-counting reducer.
    /// Null: none.</summary>
    public Microsoft.Extensions.AI.IChatReducer? Reducer { get; set; }
}
