namespace Gpt2Kit.Decoding;

/// <summary>What a logits processor may look at for one row at one step.</summary>
/// <remarks>A stack-only view, valid during one <see cref="ILogitsProcessor.Process"/> call on the calling thread.</remarks>
public readonly ref struct LogitsContext
{
    /// <summary>Creates a context.</summary>
    public LogitsContext(ReadOnlySpan<int> inputIds, int promptLength, int maxLength, ReadOnlySpan<int> eosTokenIds, int row, int batchIndex)
    {
        InputIds = inputIds;
        PromptLength = promptLength;
        MaxLength = maxLength;
        EosTokenIds = eosTokenIds;
        Row = row;
        BatchIndex = batchIndex;
    }

    /// <summary>Creates a context for diverse (group) beam search: the row's group and the tokens the earlier groups of its
    /// prompt chose at this step.</summary>
    public LogitsContext(ReadOnlySpan<int> inputIds, int promptLength, int maxLength, ReadOnlySpan<int> eosTokenIds, int row, int batchIndex,
        int beamGroup, ReadOnlySpan<int> groupTokens)
        : this(inputIds, promptLength, maxLength, eosTokenIds, row, batchIndex)
    {
        BeamGroup = beamGroup;
        GroupTokens = groupTokens;
    }

    /// <summary>The row's whole running sequence: padded prompt and generated tokens (Hugging Face <c>input_ids</c>).</summary>
    public ReadOnlySpan<int> InputIds { get; }

    /// <summary>Width of the padded prompt (Hugging Face's <c>P</c>).</summary>
    public int PromptLength { get; }

    /// <summary>Current length (<c>cur_len</c>), prompt included.</summary>
    public int CurrentLength => InputIds.Length;

    /// <summary>Tokens generated so far.</summary>
    public int Step => InputIds.Length - PromptLength;

    /// <summary>The resolved maximum total length.</summary>
    public int MaxLength { get; }

    /// <summary>The resolved end-of-sequence ids.</summary>
    public ReadOnlySpan<int> EosTokenIds { get; }

    /// <summary>The row being processed (batch item × beams + beam).</summary>
    public int Row { get; }

    /// <summary>Which prompt of the batch the row belongs to.</summary>
    public int BatchIndex { get; }

    /// <summary>In diverse beam search, the group choosing now (0 elsewhere).</summary>
    public int BeamGroup { get; }

    /// <summary>In diverse beam search, the tokens chosen at this step by groups <c>0..BeamGroup−1</c> of this row's prompt
    /// (empty elsewhere and for the first group).</summary>
    public ReadOnlySpan<int> GroupTokens { get; }
}
