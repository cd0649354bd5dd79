namespace Gpt2Kit.Decoding.Search;

/// <summary>Drives a request's <see cref="ProcessorChain"/> over the rows of a search: builds each row's
/// <see cref="LogitsContext"/> and runs the chain's per-row steps (process, choose, observe) with it.</summary>
/// <remarks>Belongs to one request; not thread-safe.</remarks>
/// <param name="chain">The chain, built once for the request.</param>
/// <param name="eosTokenIds">The resolved EOS ids.</param>
/// <param name="maxLength">The resolved maximum length.</param>
/// <param name="promptLength">The prompt length processors see; null uses the rows' padded prompt width (inspection may
/// declare a shorter prompt, so that the tail of the input counts as generated).</param>
internal sealed class ProcessorChainRunner(ProcessorChain chain, int[] eosTokenIds, int maxLength, int? promptLength = null)
{
    /// <summary>The context processors see for <paramref name="row"/> of <paramref name="rows"/>.</summary>
    public LogitsContext ContextOf(TokenRows rows, int row) =>
        new(rows.Row(row), promptLength ?? rows.PromptLength, maxLength, eosTokenIds, row, row / rows.RowsPerItem);

    /// <summary>Rewrites <paramref name="scores"/> for <paramref name="row"/> of <paramref name="rows"/>.</summary>
    public void Apply(TokenRows rows, int row, Span<float> scores)
    {
        if (chain.Processors.Count > 0)
        {
            chain.Process(ContextOf(rows, row), scores);
        }
    }

    /// <summary>Rewrites <paramref name="scores"/> for a row of diverse beam search: group <paramref name="group"/> is
    /// choosing and <paramref name="groupTokens"/> are the earlier groups' tokens of this step.</summary>
    public void Apply(TokenRows rows, int row, Span<float> scores, int group, ReadOnlySpan<int> groupTokens)
    {
        if (chain.Processors.Count > 0)
        {
            var context = new LogitsContext(rows.Row(row), promptLength ?? rows.PromptLength, maxLength, eosTokenIds, row, row / rows.RowsPerItem, group, groupTokens);
            chain.Process(context, scores);
        }
    }

    /// <summary>Runs the chain on a row and chooses its token (the chain's selector, else <paramref name="fallback"/>).</summary>
    public int Choose(TokenRows rows, int row, Span<float> scores, Random random, ITokenSelector fallback) =>
        chain.Choose(ContextOf(rows, row), scores, random, fallback);

    /// <summary>Tells the chain's stateful steps which token a running row took (before it is appended).</summary>
    public void Observe(TokenRows rows, int row, int token) => chain.Observe(ContextOf(rows, row), token);
}
