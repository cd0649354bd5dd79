namespace Gpt2Kit.Decoding;

/// <summary>Decides, after each step, whether a row is finished.</summary>
/// <remarks>An instance belongs to one request and is called from one thread at a time; it need not be thread-safe.</remarks>
public interface IStoppingCriterion
{
    /// <summary>Returns why the row is finished, or <see cref="FinishReason.None"/> to go on.</summary>
    FinishReason Check(in StoppingContext context);
}

/// <summary>What a stopping criterion may look at for one row after a token was appended.</summary>
/// <remarks>A stack-only view, valid during one <see cref="IStoppingCriterion.Check"/> call on the calling thread.</remarks>
public readonly ref struct StoppingContext
{
    /// <summary>Creates a context.</summary>
    public StoppingContext(ReadOnlySpan<int> inputIds, int promptLength, int maxLength, int row)
    {
        InputIds = inputIds;
        PromptLength = promptLength;
        MaxLength = maxLength;
        Row = row;
    }

    /// <summary>The row's whole sequence, the new token last.</summary>
    public ReadOnlySpan<int> InputIds { get; }

    /// <summary>Width of the padded prompt.</summary>
    public int PromptLength { get; }

    /// <summary>The resolved maximum total length.</summary>
    public int MaxLength { get; }

    /// <summary>The row.</summary>
    public int Row { get; }
}

/// <summary>Creates a stopping criterion for one request, or none when the request does not ask for it.</summary>
/// <remarks>Implementations must be thread-safe.</remarks>
public interface IStoppingCriterionFactory
{
    /// <summary>The criterion's name.</summary>
    string Name { get; }

    /// <summary>Creates the criterion, or returns null when <paramref name="options"/> do not activate it.</summary>
    IStoppingCriterion? Create(ResolvedGenerationOptions options, ProcessorCreationContext context);
}
