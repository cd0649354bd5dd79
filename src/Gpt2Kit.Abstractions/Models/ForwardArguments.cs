namespace Gpt2Kit.Models;

/// <summary>The argument checks of <see cref="ICausalLanguageModel.CreateSession"/>, <see cref="IModelSession.Forward"/>, <see cref="IModelSession.Reorder"/> and
/// <see cref="IModelSession.Truncate"/>, shared by every backend so that each rejects the same input with the same message.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public static class ForwardArguments
{
    /// <summary>Checks the shape of a <see cref="ICausalLanguageModel.CreateSession"/> call.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> is not positive, or <paramref name="capacity"/> is outside 1..<paramref name="contextLength"/>.</exception>
    public static void ValidateSession(int rows, int capacity, int contextLength)
    {
        if (rows <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be positive.");
        }

        if (capacity < 1 || capacity > contextLength)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"capacity must be in 1..{contextLength} (n_positions).");
        }
    }

    /// <summary>Checks a <see cref="IModelSession.Forward"/> call and returns <c>T</c>, the new positions per row.</summary>
    /// <exception cref="ArgumentException">A span has the wrong length, or a token, position or mask value is out of range.</exception>
    /// <exception cref="InvalidOperationException">The new positions do not fit the session's capacity.</exception>
    public static int Validate(IModelSession session, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> attentionMask,
        Span<float> logits, bool allPositions, Span<float> hiddenStates)
    {
        ArgumentNullException.ThrowIfNull(session);
        int rows = session.Rows;
        if (tokens.IsEmpty || tokens.Length % rows != 0)
        {
            throw new ArgumentException($"tokens has {tokens.Length} ids; expected a positive multiple of the {rows} rows.", nameof(tokens));
        }

        int newTokens = tokens.Length / rows;
        if (positions.Length != tokens.Length)
        {
            throw new ArgumentException($"positions has {positions.Length} entries; tokens has {tokens.Length}.", nameof(positions));
        }

        if (attentionMask.Length != tokens.Length)
        {
            throw new ArgumentException($"attentionMask has {attentionMask.Length} entries; tokens has {tokens.Length}.", nameof(attentionMask));
        }

        if (session.Length + newTokens > session.Capacity)
        {
            throw new InvalidOperationException($"{newTokens} new positions do not fit: the session holds {session.Length} of its capacity {session.Capacity}.");
        }

        var info = session.Info;
        int vocab = info.VocabSize, contextLength = info.ContextLength;
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)vocab)
            {
                throw new ArgumentException($"tokens[{i}] is {tokens[i]}; token ids are 0..{vocab - 1}.", nameof(tokens));
            }

            if ((uint)positions[i] >= (uint)contextLength)
            {
                throw new ArgumentException($"positions[{i}] is {positions[i]}; this model has n_positions {contextLength} (positions 0..{contextLength - 1}).", nameof(positions));
            }

            if (attentionMask[i] is not (0 or 1))
            {
                throw new ArgumentException($"attentionMask[{i}] is {attentionMask[i]}; expected 0 or 1.", nameof(attentionMask));
            }
        }

        long outputRows = allPositions ? tokens.Length : rows;
        if (logits.Length != outputRows * vocab)
        {
            throw new ArgumentException($"logits has {logits.Length} floats; expected {outputRows} × {vocab} = {outputRows * vocab}.", nameof(logits));
        }

        if (!hiddenStates.IsEmpty && hiddenStates.Length != outputRows * info.HiddenSize)
        {
            throw new ArgumentException($"hiddenStates has {hiddenStates.Length} floats; expected {outputRows} × {info.HiddenSize} = {outputRows * info.HiddenSize} (or none).", nameof(hiddenStates));
        }

        return newTokens;
    }

    /// <summary>Checks the <paramref name="sources"/> of a <see cref="IModelSession.Reorder"/> call.</summary>
    /// <exception cref="ArgumentException">The length differs from the rows, or an index is not a row.</exception>
    public static void ValidateReorder(int rows, ReadOnlySpan<int> sources)
    {
        if (sources.Length != rows)
        {
            throw new ArgumentException($"sources has {sources.Length} entries; the session has {rows} rows.", nameof(sources));
        }

        for (int i = 0; i < sources.Length; i++)
        {
            if ((uint)sources[i] >= (uint)rows)
            {
                throw new ArgumentException($"sources[{i}] is {sources[i]}; rows are 0..{rows - 1}.", nameof(sources));
            }
        }
    }

    /// <summary>Checks the length of a <see cref="IModelSession.Truncate"/> call.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is outside 0..<paramref name="current"/>.</exception>
    public static void ValidateTruncate(int current, int length)
    {
        if (length < 0 || length > current)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"The session holds {current} positions; length must be in 0..{current}.");
        }
    }
}
