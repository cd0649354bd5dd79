namespace Gpt2Kit.Models;

/// <summary>What a generator needs to know about a causal language model.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record ModelInfo
{
    /// <summary>A display name (the folder or hub name the model came from).</summary>
    public required string Name { get; init; }

    /// <summary>Size of the output layer: logits rows have this many entries.</summary>
    public required int VocabSize { get; init; }

    /// <summary>The largest number of positions the model accepts (GPT-2: <c>n_positions</c>).</summary>
    public required int ContextLength { get; init; }

    /// <summary>Width of the last hidden layer (GPT-2: <c>n_embd</c>); contrastive search reads hidden states of this size.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>End-of-sequence ids from the model's configuration (GPT-2: 50256); may be empty.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>Beginning-of-sequence id, if the model defines one.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>The model's own generation defaults as the text of a Hugging Face <c>generation_config.json</c>, or null.
    /// The host applies them over Hugging Face's defaults and under the application's and the request's settings.</summary>
    public string? GenerationConfigJson { get; init; }

    /// <summary>Padding id, if the model defines one (GPT-2 defines none; generation then pads with the first EOS id).</summary>
    public int? PadTokenId { get; init; }
}
