namespace Gpt2Kit.Decoding.Inspection;

/// <summary>What the processor chain made of one row's next-token scores at one step.</summary>
/// <param name="Step">Generated position (0 for the first token after the input).</param>
/// <param name="Row">The row (prompt order, after <c>num_return_sequences</c> expansion).</param>
/// <param name="Top">The most likely tokens after the chain: id, processed score, log-softmax of the processed scores, text.</param>
/// <param name="FiniteCount">How many tokens kept a finite score (were not filtered).</param>
/// <param name="ChosenTokenId">The token the row continued with (greedy, or drawn when sampling).</param>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record InspectionStep(int Step, int Row, IReadOnlyList<TokenAlternative> Top, int FiniteCount, int ChosenTokenId);
