namespace Gpt2Kit.Decoding;

/// <summary>What to generate from: prompts as text or as ids, and options that override the generator's defaults.</summary>
/// <remarks>Immutable by convention; thread-safe for reading.</remarks>
public sealed record GenerationRequest
{
    /// <summary>Prompts as text; tokenized and left-padded by the generator.</summary>
    public IReadOnlyList<string>? Prompts { get; init; }

    /// <summary>Prompts as ids (ragged rows are left-padded with the pad id and masked).</summary>
    public IReadOnlyList<int[]>? InputIds { get; init; }

    /// <summary>An explicit attention mask for <see cref="InputIds"/> (already padded rows); null derives it from the padding.</summary>
    public IReadOnlyList<int[]>? AttentionMask { get; init; }

    /// <summary>Options for this request; null uses the generator's defaults.</summary>
    public GenerationOptions? Options { get; init; }

    /// <summary>A request for one text prompt.</summary>
    public static GenerationRequest FromText(string prompt, GenerationOptions? options = null) => new() { Prompts = [prompt], Options = options };

    /// <summary>A request for prompts given as ids.</summary>
    public static GenerationRequest FromIds(IReadOnlyList<int[]> inputIds, GenerationOptions? options = null) => new() { InputIds = inputIds, Options = options };
}
