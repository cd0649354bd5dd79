namespace Gpt2Kit.Decoding.Search;

/// <summary>Drives a request's <see cref="ProcessorChain"/> over the rows of a search: builds each row's
/// <see cref="LogitsContext"/> and runs the chain's per-row steps (process, choose, observe) with it, checking the model's
/// scores and the chain's output for non-finite values on the way.</summary>
/// <remarks>Belongs to one request; not thread-safe.</remarks>
/// <param name="chain">The chain, built once for the request.</param>
/// <param name="eosTokenIds">The resolved EOS ids.</param>
/// <param name="maxLength">The resolved maximum length.</param>
/// <param name="promptLength">The prompt length processors see; null uses the rows' padded prompt width (inspection may
/// declare a shorter prompt, so that the tail of the input counts as generated).</param>
internal sealed class ProcessorChainRunner(ProcessorChain chain, int[] eosTokenIds, int maxLength, int? promptLength = null)
{
    // With remove_invalid_values, Hugging Face repairs non-finite logits in the chain, so only the chain's output is checked.
    private readonly bool _checkModelOutput = !chain.Processors.Any(p => p is Processors.RemoveInvalidValuesProcessor);

    /// <summary>The context processors see for <paramref name="row"/> of <paramref name="rows"/>.</summary>
    public LogitsContext ContextOf(TokenRows rows, int row) =>
        new(rows.Row(row), promptLength ?? rows.PromptLength, maxLength, eosTokenIds, row, row / rows.RowsPerItem);

    /// <summary>Rewrites <paramref name="scores"/> for <paramref name="row"/> of <paramref name="rows"/>.</summary>
    /// <exception cref="InvalidOperationException">The model's scores or the chain's output hold NaN (see <see cref="NonFiniteScores"/>).</exception>
    public void Apply(TokenRows rows, int row, Span<float> scores) => Process(ContextOf(rows, row), row, scores);

    /// <summary>Rewrites <paramref name="scores"/> for a row of diverse beam search: group <paramref name="group"/> is
    /// choosing and <paramref name="groupTokens"/> are the earlier groups' tokens of this step.</summary>
    public void Apply(TokenRows rows, int row, Span<float> scores, int group, ReadOnlySpan<int> groupTokens) =>
        Process(new LogitsContext(rows.Row(row), promptLength ?? rows.PromptLength, maxLength, eosTokenIds, row, row / rows.RowsPerItem, group, groupTokens), row, scores);

    /// <summary>Runs the chain on a row and chooses its token (the chain's selector, else <paramref name="fallback"/>).</summary>
    public int Choose(TokenRows rows, int row, Span<float> scores, Random random, ITokenSelector fallback)
    {
        var context = ContextOf(rows, row);
        Process(context, row, scores);
        return (chain.Selector ?? fallback).Select(context, scores, random);
    }

    /// <summary>Tells the chain's stateful steps which token a running row took (before it is appended).</summary>
    public void Observe(TokenRows rows, int row, int token) => chain.Observe(ContextOf(rows, row), token);

    private void Process(in LogitsContext context, int row, Span<float> scores)
    {
        if (_checkModelOutput)
        {
            NonFiniteScores.CheckModelOutput(scores, row, context.Step);
        }

        if (chain.Processors.Count > 0)
        {
            chain.Process(context, scores);
            NonFiniteScores.CheckProcessed(scores, "the processor chain", row, context.Step);
        }
    }
}
