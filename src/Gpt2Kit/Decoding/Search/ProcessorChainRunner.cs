namespace Gpt2Kit.Decoding.Search;

/// <summary>Runs a request's processor chain on one row's scores, in order, with that row's <see cref="LogitsContext"/>.</summary>
/// <remarks>Belongs to one request; not thread-safe.</remarks>
/// <param name="processors">The chain.</param>
/// <param name="eosTokenIds">The resolved EOS ids.</param>
/// <param name="maxLength">The resolved maximum length.</param>
/// <param name="promptLength">The prompt length processors see; null uses the rows' padded prompt width (inspection may
/// declare a shorter prompt, so that the tail of the input counts as generated).</param>
internal sealed class ProcessorChainRunner(IReadOnlyList<ILogitsProcessor> processors, int[] eosTokenIds, int maxLength, int? promptLength = null)
{
    // With remove_invalid_values, Hugging Face repairs non-finite logits in the chain, so only the chain's output is checked.
    private readonly bool _checkModelOutput = !processors.Any(p => p is Processors.RemoveInvalidValuesProcessor);

    /// <summary>Rewrites <paramref name="scores"/> for <paramref name="row"/> of <paramref name="rows"/>.</summary>
    /// <exception cref="InvalidOperationException">The model's scores or the chain's output hold NaN (see <see cref="NonFiniteScores"/>).</exception>
    public void Apply(TokenRows rows, int row, Span<float> scores)
    {
        var context = new LogitsContext(rows.Row(row), promptLength ?? rows.PromptLength, maxLength, eosTokenIds, row, row / rows.RowsPerItem);
        if (_checkModelOutput)
        {
            NonFiniteScores.CheckModelOutput(scores, row, context.Step);
        }

        for (int i = 0; i < processors.Count; i++)
        {
            processors[i].Process(in context, scores);
        }

        if (processors.Count > 0)
        {
            NonFiniteScores.CheckProcessed(scores, "the processor chain", row, context.Step);
        }
    }
}
