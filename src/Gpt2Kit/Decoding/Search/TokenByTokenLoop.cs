using Gpt2Kit.Decoding.Stopping;

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
        var stopping = new StoppingPipeline(context.EosTokenIds, context.StoppingCriteria);
        var alternatives = new TopAlternatives(context.Options.TopAlternatives, vocab, context.Tokenizer);
        var recorder = new StepRecorder(n, context.MaxLength - promptLength, alternatives.Enabled);
        var reasons = new FinishReason[n];
        var observer = context.Observer;
        bool padFinishedRows = context.EosTokenIds.Length > 0;

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

        int running = n;
        while (true)
        {
            ThrowIfCancelled(cancellationToken, reasons, observer);
            int step = rows.Generated;
            for (int r = 0; r < n; r++)
            {
                var raw = logits.AsSpan(r * vocab, vocab);
                float rawLogSumExp = ScoreMath.LogSumExp(raw, scratch);
                raw.CopyTo(scores);
                chain.Apply(rows, r, scores);

                int token = sample ? TokenSampler.Sample(scores, context.Random, weights) : ScoreMath.ArgMax(scores);
                if (padFinishedRows && reasons[r] != FinishReason.None)
                {
                    token = context.PadTokenId;
                }

                next[r] = token;
                var top = alternatives.Build(scores);
                recorder.Record(r, step, scores[token], raw[token] - rawLogSumExp, top);
                if (reasons[r] == FinishReason.None)
                {
                    observer?.OnToken(r, step, token, scores[token], raw[token] - rawLogSumExp, top);
                }
            }

            rows.Append(next);
            for (int r = 0; r < n; r++)
            {
                if (reasons[r] != FinishReason.None)
                {
                    continue;
                }

                var reason = stopping.Check(rows.Row(r), promptLength, context.MaxLength, r);
                if (reason != FinishReason.None)
                {
                    reasons[r] = reason;
                    running--;
                    observer?.OnFinished(r, reason);
                }
            }

            if (running == 0)
            {
                break;
            }

            ThrowIfCancelled(cancellationToken, reasons, observer);
            rows.WriteLastColumn(tokens, positions, mask);
            session.Forward(tokens.AsSpan(0, n), positions.AsSpan(0, n), mask.AsSpan(0, n), logits);
        }

        int steps = rows.Generated;
        var sequences = new int[n][];
        for (int r = 0; r < n; r++)
        {
            sequences[r] = rows.CopyRow(r, rows.Length);
        }

        return new GenerationResult
        {
            Sequences = sequences,
            PromptLength = promptLength,
            TransitionScores = recorder.TransitionScores(steps),
            TokenLogprobs = recorder.TokenLogprobs(steps),
            FinishReasons = reasons,
            Alternatives = recorder.Alternatives(steps),
            Processors = context.ProcessorNames,
        };
    }

    /// <summary>On cancellation, marks every running row <see cref="FinishReason.Cancelled"/> (telling the observer) and throws.</summary>
    internal static void ThrowIfCancelled(CancellationToken cancellationToken, FinishReason[] reasons, IGenerationObserver? observer)
    {
        if (!cancellationToken.IsCancellationRequested)
        {
            return;
        }

        for (int r = 0; r < reasons.Length; r++)
        {
            if (reasons[r] == FinishReason.None)
            {
                reasons[r] = FinishReason.Cancelled;
                observer?.OnFinished(r, FinishReason.Cancelled);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }
}
