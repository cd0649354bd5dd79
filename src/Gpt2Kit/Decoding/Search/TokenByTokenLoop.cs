namespace Gpt2Kit.Decoding.Search;

/// <summary>Hugging Face's <c>_sample</c> loop, shared by greedy decoding and multinomial sampling: run the model, apply the
/// chain to the raw logits, choose one token per row, feed finished rows with the pad id, stop when every row is finished.</summary>
/// <remarks>Stateless; thread-safe (all state of a request lives in locals).</remarks>
internal static class TokenByTokenLoop
{
    /// <summary>Runs the loop.</summary>
    /// <param name="context">The request.</param>
    /// <param name="expand">Rows per prompt (<c>num_return_sequences</c> when sampling, else 1).</param>
    /// <param name="sample">Draw from <c>softmax(scores)</c> instead of taking the argmax.</param>
    /// <param name="cancellationToken">Checked before and after every forward pass.</param>
    public static GenerationResult Run(SearchContext context, int expand, bool sample, CancellationToken cancellationToken)
    {
        int vocab = context.Model.Info.VocabSize;
        var rows = new TokenRows(context.InputIds, context.AttentionMask, expand, context.MaxLength);
        int n = rows.Rows;
        int promptLength = rows.PromptLength;
        var chain = new ProcessorChainRunner(context.Processors, context.EosTokenIds, context.MaxLength);
        var tracker = new RowStepTracker(context, rows);

        var logits = new float[n * vocab];
        var scores = new float[vocab];
        var scratch = new float[vocab];
        var weights = sample ? new double[vocab] : [];
        var tokens = new int[n * promptLength];
        var positions = new int[n * promptLength];
        var mask = new int[n * promptLength];
        var next = new int[n];

        using var session = context.Model.CreateSession(n, context.MaxLength);
        cancellationToken.ThrowIfCancellationRequested();
        rows.WritePrompt(tokens, positions, mask);
        session.Forward(tokens, positions, mask, logits);

        while (true)
        {
            tracker.ThrowIfCancelled(cancellationToken);
            for (int r = 0; r < n; r++)
            {
                var raw = logits.AsSpan(r * vocab, vocab);
                float rawLogSumExp = ScoreMath.LogSumExp(raw, scratch);
                raw.CopyTo(scores);
                chain.Apply(rows, r, scores);

                int chosen = sample ? TokenSampler.Sample(scores, context.Random, weights) : ScoreMath.ArgMax(scores);
                next[r] = tracker.Take(r, chosen, scores, raw, rawLogSumExp);
            }

            rows.Append(next);
            if (tracker.CheckFinished())
            {
                break;
            }

            tracker.ThrowIfCancelled(cancellationToken);
            rows.WriteLastColumn(tokens, positions, mask);
            session.Forward(tokens.AsSpan(0, n), positions.AsSpan(0, n), mask.AsSpan(0, n), logits);
        }

        return tracker.Result();
    }
}
