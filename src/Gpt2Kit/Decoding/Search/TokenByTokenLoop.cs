namespace Gpt2Kit.Decoding.Search;

/// <summary>The one token-by-token loop (Hugging Face's <c>_sample</c>), shared by greedy decoding, sampling and any
/// strategy whose rows never move: prefill, then per step and row run the chain, let its last step (or the strategy's
/// fallback selector) choose, tell the chain's stateful steps, feed finished rows with the pad id, stop
/// when every row is finished, and shape the result. Positions, padding, stopping and streaming live here only.</summary>
/// <remarks>Stateless; thread-safe (all state of a request lives in locals).</remarks>
internal static class TokenByTokenLoop
{
    /// <summary>Runs the loop.</summary>
    /// <param name="context">The request.</param>
    /// <param name="expand">Rows per prompt (<c>num_return_sequences</c> when sampling, else 1).</param>
    /// <param name="fallback">The choice when the chain ends with no selector (argmax or a seeded draw).</param>
    /// <param name="cancellationToken">Checked before and after every forward pass.</param>
    public static GenerationResult Run(SearchContext context, int expand, ITokenSelector fallback, CancellationToken cancellationToken)
    {
        int vocab = context.Model.Info.VocabSize;
        var rows = new TokenRows(context.InputIds, context.AttentionMask, expand, context.MaxLength);
        int n = rows.Rows;
        int promptLength = rows.PromptLength;
        var chain = new ProcessorChainRunner(context.Chain, context.EosTokenIds, context.MaxLength);
        var tracker = new RowStepTracker(context, rows);

        var logits = new float[n * vocab];
        var scores = new float[vocab];
        var scratch = new float[vocab];
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
                int chosen = chain.Choose(rows, r, scores, context.Random, fallback);
                bool running = tracker.IsRunning(r);
                next[r] = tracker.Take(r, chosen, scores, raw, rawLogSumExp);
                if (running)
                {
                    chain.Observe(rows, r, next[r]);
                }
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
