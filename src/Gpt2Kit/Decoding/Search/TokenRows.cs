namespace Gpt2Kit.Decoding.Search;

/// <summary>The running <c>input_ids</c> of a request: <see cref="Rows"/> sequences of equal length (padded prompt plus
/// generated tokens) in one preallocated buffer, with the attention mask and the next position id of every row.</summary>
/// <remarks>Belongs to one request; not thread-safe.</remarks>
internal sealed class TokenRows
{
    private readonly int[] _ids;
    private readonly int[] _mask;
    private readonly int[] _realTokens;
    private int[]? _reorderScratch;

    /// <summary>Copies the prompt rows, each repeated <paramref name="expand"/> times in a row (<c>repeat_interleave</c>).</summary>
    public TokenRows(IReadOnlyList<int[]> inputIds, IReadOnlyList<int[]> attentionMask, int expand, int capacity)
    {
        int promptLength = inputIds[0].Length;
        Rows = inputIds.Count * expand;
        Capacity = capacity;
        PromptLength = promptLength;
        Length = promptLength;
        RowsPerItem = expand;
        _ids = new int[Rows * capacity];
        _mask = new int[Rows * capacity];
        _realTokens = new int[Rows];
        for (int r = 0; r < Rows; r++)
        {
            var ids = inputIds[r / expand];
            var mask = attentionMask[r / expand];
            ids.CopyTo(_ids.AsSpan(r * capacity, promptLength));
            mask.CopyTo(_mask.AsSpan(r * capacity, promptLength));
            int real = 0;
            foreach (var m in mask)
            {
                real += m;
            }

            _realTokens[r] = real;
        }
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Rows per prompt (beams or return sequences).</summary>
    public int RowsPerItem { get; }

    /// <summary>The longest length a row can reach.</summary>
    public int Capacity { get; }

    /// <summary>Width of the padded prompt.</summary>
    public int PromptLength { get; }

    /// <summary>Current length of every row.</summary>
    public int Length { get; private set; }

    /// <summary>Generated tokens so far.</summary>
    public int Generated => Length - PromptLength;

    /// <summary>Row <paramref name="row"/>'s tokens.</summary>
    public ReadOnlySpan<int> Row(int row) => _ids.AsSpan(row * Capacity, Length);

    /// <summary>The last token of a row.</summary>
    public int Last(int row) => _ids[row * Capacity + Length - 1];

    /// <summary>Writes the prompt as the first model input: tokens, positions (<c>cumsum(mask) − 1</c>, padding at 1) and mask.</summary>
    public void WritePrompt(Span<int> tokens, Span<int> positions, Span<int> mask)
    {
        int p = PromptLength;
        for (int r = 0; r < Rows; r++)
        {
            _ids.AsSpan(r * Capacity, p).CopyTo(tokens.Slice(r * p, p));
            _mask.AsSpan(r * Capacity, p).CopyTo(mask.Slice(r * p, p));
        }

        Models.PositionIds.FromAttentionMask(mask[..(Rows * p)], Rows, positions[..(Rows * p)]);
    }

    /// <summary>Writes the last token of every row as the next model input, with its position (continuing the row's
    /// count of real tokens) and a mask of ones.</summary>
    public void WriteLastColumn(Span<int> tokens, Span<int> positions, Span<int> mask)
    {
        for (int r = 0; r < Rows; r++)
        {
            tokens[r] = Last(r);
            positions[r] = _realTokens[r] - 1;
            mask[r] = 1;
        }
    }

    /// <summary>The position id the next token of a row takes (its count of real tokens so far).</summary>
    public int NextPosition(int row) => _realTokens[row];

    /// <summary>Appends one token to every row (mask 1).</summary>
    public void Append(ReadOnlySpan<int> tokens)
    {
        if (Length >= Capacity)
        {
            throw new InvalidOperationException($"The sequences already hold {Capacity} tokens.");
        }

        for (int r = 0; r < Rows; r++)
        {
            _ids[r * Capacity + Length] = tokens[r];
            _mask[r * Capacity + Length] = 1;
            _realTokens[r]++;
        }

        Length++;
    }

    /// <summary>Rearranges rows: new row <c>r</c> becomes a copy of old row <c>sources[r]</c>. Masks and positions stay:
    /// every row of a prompt shares them, and sources never cross prompts.</summary>
    public void Reorder(ReadOnlySpan<int> sources)
    {
        // Only the filled part of each row is copied, and only rows that change are rewritten: this runs at every beam step.
        var scratch = _reorderScratch ??= new int[_ids.Length];
        for (int r = 0; r < Rows; r++)
        {
            _ids.AsSpan(r * Capacity, Length).CopyTo(scratch.AsSpan(r * Capacity, Length));
        }

        for (int r = 0; r < Rows; r++)
        {
            if (sources[r] != r)
            {
                scratch.AsSpan(sources[r] * Capacity, Length).CopyTo(_ids.AsSpan(r * Capacity, Length));
            }
        }
    }

    /// <summary>Copies every row out, each <paramref name="width"/> wide (for the result).</summary>
    public int[] CopyRow(int row, int width) => _ids.AsSpan(row * Capacity, width).ToArray();
}
