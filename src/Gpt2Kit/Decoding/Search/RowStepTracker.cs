using Gpt2Kit.Decoding.Stopping;

namespace Gpt2Kit.Decoding.Search;

/// <summary>The bookkeeping of a search whose rows never move (greedy, sampling, contrastive): every step it records the
/// token each row takes (the pad id once a row is finished), tells the observer about running rows, finishes rows as the
/// stopping criteria fire, and at the end builds the result.</summary>
/// <remarks>Belongs to one request; not thread-safe.</remarks>
internal sealed class RowStepTracker
{
    private readonly SearchContext _context;
    private readonly TokenRows _rows;
    private readonly StoppingPipeline _stopping;
    private readonly TopAlternatives _alternatives;
    private readonly StepRecorder _recorder;
    private readonly FinishReason[] _reasons;
    private readonly bool _padFinishedRows;
    private int _running;

    public RowStepTracker(SearchContext context, TokenRows rows)
    {
        _context = context;
        _rows = rows;
        _stopping = new StoppingPipeline(context.EosTokenIds, context.StoppingCriteria);
        _alternatives = new TopAlternatives(context.Options.TopAlternatives, context.Model.Info.VocabSize, context.Tokenizer);
        _recorder = new StepRecorder(rows.Rows, context.MaxLength - rows.PromptLength, _alternatives.Enabled);
        _reasons = new FinishReason[rows.Rows];
        _running = rows.Rows;

        // Without an EOS id a finished row (max_time, a stop string) keeps its own choices, as Hugging Face does.
        _padFinishedRows = context.EosTokenIds.Length > 0;
    }

    /// <summary>Whether <paramref name="row"/> has not finished yet.</summary>
    public bool IsRunning(int row) => _reasons[row] == FinishReason.None;

    /// <summary>The token <paramref name="row"/> takes at this step: <paramref name="chosen"/>, or the pad id once the row
    /// is finished. Records its processed score, the log-softmax of the raw logits at it and the alternatives.</summary>
    /// <param name="row">The row.</param>
    /// <param name="chosen">The token the strategy chose from <paramref name="scores"/>.</param>
    /// <param name="scores">The row's processed scores.</param>
    /// <param name="raw">The row's raw logits.</param>
    /// <param name="rawLogSumExp"><c>logsumexp(raw)</c>.</param>
    public int Take(int row, int chosen, ReadOnlySpan<float> scores, ReadOnlySpan<float> raw, float rawLogSumExp)
    {
        int step = _rows.Generated;
        bool finished = _reasons[row] != FinishReason.None;
        int token = _padFinishedRows && finished ? _context.PadTokenId : chosen;
        float logprob = raw[token] - rawLogSumExp;
        var top = _alternatives.Build(scores);
        _recorder.Record(row, step, scores[token], logprob, top);
        if (!finished)
        {
            _context.Observer?.OnToken(row, step, token, scores[token], logprob, top);
        }

        return token;
    }

    /// <summary>After the step's tokens were appended: finishes the running rows whose criteria fire (telling the
    /// observer) and says whether every row is finished.</summary>
    public bool CheckFinished()
    {
        for (int r = 0; r < _reasons.Length; r++)
        {
            if (_reasons[r] != FinishReason.None)
            {
                continue;
            }

            var reason = _stopping.Check(_rows.Row(r), _rows.PromptLength, _context.MaxLength, r);
            if (reason != FinishReason.None)
            {
                _reasons[r] = reason;
                _running--;
                _context.Observer?.OnFinished(r, reason);
            }
        }

        return _running == 0;
    }

    /// <summary>On cancellation, marks every running row <see cref="FinishReason.Cancelled"/> (telling the observer) and throws.</summary>
    public void ThrowIfCancelled(CancellationToken cancellationToken)
    {
        if (!cancellationToken.IsCancellationRequested)
        {
            return;
        }

        for (int r = 0; r < _reasons.Length; r++)
        {
            if (_reasons[r] == FinishReason.None)
            {
                _reasons[r] = FinishReason.Cancelled;
                _context.Observer?.OnFinished(r, FinishReason.Cancelled);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The rows, their recorded steps and finish reasons as the request's result.</summary>
    public GenerationResult Result()
    {
        int steps = _rows.Generated;
        var sequences = new int[_rows.Rows][];
        for (int r = 0; r < sequences.Length; r++)
        {
            sequences[r] = _rows.CopyRow(r, _rows.Length);
        }

        return new GenerationResult
        {
            Sequences = sequences,
            PromptLength = _rows.PromptLength,
            TransitionScores = _recorder.TransitionScores(steps),
            TokenLogprobs = _recorder.TokenLogprobs(steps),
            FinishReasons = _reasons,
            Alternatives = _recorder.Alternatives(steps),
            Processors = _context.ProcessorNames,
        };
    }
}
