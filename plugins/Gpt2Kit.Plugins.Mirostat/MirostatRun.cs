using Gpt2Kit.Decoding;
using Gpt2Kit.Models;

namespace Gpt2Kit.Plugins.Mirostat;

/// <summary>One request of <see cref="MirostatV2Strategy"/>: the rows (each prompt repeated <c>num_return_sequences</c>
/// times, as Hugging Face sampling does), their session and their <c>mu</c>.</summary>
/// <remarks>Belongs to one request; not thread-safe.</remarks>
internal sealed class MirostatRun
{
    private readonly SearchContext _context;
    private readonly double _tau;
    private readonly double _eta;
    private readonly CancellationToken _cancellationToken;
    private readonly int _rows;
    private readonly int _returnSequences;
    private readonly int _vocabSize;
    private readonly int[][] _ids;
    private readonly int[] _nextPosition;
    private readonly double[] _mu;
    private readonly FinishReason[] _finish;
    private readonly List<float>[] _scores;
    private readonly List<float>[] _logprobs;

    public MirostatRun(SearchContext context, double tau, double eta, CancellationToken cancellationToken)
    {
        _context = context;
        _tau = tau;
        _eta = eta;
        _cancellationToken = cancellationToken;
        _returnSequences = Math.Max(1, context.Options.NumReturnSequences);
        _rows = context.InputIds.Count * _returnSequences;
        _vocabSize = context.Model.Info.VocabSize;
        _ids = new int[_rows][];
        _nextPosition = new int[_rows];
        _mu = new double[_rows];
        _finish = new FinishReason[_rows];
        _scores = new List<float>[_rows];
        _logprobs = new List<float>[_rows];
        for (var row = 0; row < _rows; row++)
        {
            var prompt = row / _returnSequences;
            _ids[row] = new int[context.MaxLength];
            context.InputIds[prompt].CopyTo(_ids[row], 0);
            _nextPosition[row] = context.AttentionMask[prompt].Sum();
            _mu[row] = 2 * tau;
            _scores[row] = [];
            _logprobs[row] = [];
        }
    }

    public GenerationResult Run()
    {
        var promptLength = _context.PromptLength;
        if (_rows == 0)
        {
            return new GenerationResult { Sequences = [], PromptLength = promptLength, TransitionScores = [], TokenLogprobs = [], FinishReasons = [] };
        }

        var logits = new float[_rows * _vocabSize];
        using var session = _context.Model.CreateSession(_rows, _context.MaxLength);
        Prefill(session, logits);

        var scores = new float[_vocabSize];
        var order = new int[_vocabSize];
        var next = new int[_rows];
        for (var length = promptLength; length < _context.MaxLength && _finish.Any(f => f == FinishReason.None); length++)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            for (var row = 0; row < _rows; row++)
            {
                if (_finish[row] == FinishReason.None)
                {
                    next[row] = Choose(row, length, logits.AsSpan(row * _vocabSize, _vocabSize), scores, order);
                }
                else
                {
                    // Finished rows are padded and score 0, as Hugging Face reports them.
                    next[row] = _context.PadTokenId;
                    _scores[row].Add(0);
                    _logprobs[row].Add(0);
                }

                _ids[row][length] = next[row];
            }

            for (var row = 0; row < _rows; row++)
            {
                if (_finish[row] == FinishReason.None)
                {
                    _finish[row] = Finished(row, length + 1);
                    if (_finish[row] != FinishReason.None)
                    {
                        _context.Observer?.OnFinished(row, _finish[row]);
                    }
                }
            }

            if (length + 1 < _context.MaxLength && _finish.Any(f => f == FinishReason.None))
            {
                var positions = new int[_rows];
                for (var row = 0; row < _rows; row++)
                {
                    positions[row] = _nextPosition[row]++;
                }

                session.Forward(next, positions, Enumerable.Repeat(1, _rows).ToArray(), logits);
            }
        }

        var generated = _scores[0].Count;
        return new GenerationResult
        {
            Sequences = _ids.Select(ids => ids[..(promptLength + generated)]).ToList(),
            PromptLength = promptLength,
            Texts = _context.Tokenizer is { } tokenizer
                ? _ids.Select(ids => tokenizer.Decode(ids.AsSpan(promptLength, generated), skipSpecialTokens: true)).ToList()
                : [],
            TransitionScores = _scores.Select(s => s.ToArray()).ToList(),
            TokenLogprobs = _logprobs.Select(s => s.ToArray()).ToList(),
            FinishReasons = _finish.Select(f => f == FinishReason.None ? FinishReason.Length : f).ToList(),
            Processors = _context.ProcessorNames,
        };
    }

    private void Prefill(IModelSession session, float[] logits)
    {
        var width = _context.PromptLength;
        var tokens = new int[_rows * width];
        var mask = new int[_rows * width];
        for (var row = 0; row < _rows; row++)
        {
            var prompt = row / _returnSequences;
            _context.InputIds[prompt].CopyTo(tokens, row * width);
            _context.AttentionMask[prompt].CopyTo(mask, row * width);
        }

        var positions = new int[tokens.Length];
        PositionIds.FromAttentionMask(mask, _rows, positions);
        session.Forward(tokens, positions, mask, logits);
    }

    /// <summary>One Mirostat v2 step for one row: returns the sampled token and updates the row's <c>mu</c>.</summary>
    private int Choose(int row, int length, ReadOnlySpan<float> rowLogits, float[] scores, int[] order)
    {
        rowLogits.CopyTo(scores);
        var history = _ids[row].AsSpan(0, length);
        var logitsContext = new LogitsContext(history, _context.PromptLength, _context.MaxLength, _context.EosTokenIds, row, row / _returnSequences);
        foreach (var processor in _context.Processors)
        {
            processor.Process(logitsContext, scores);
        }

        // Probabilities of the processed scores, most likely first (ties: lower id first).
        var max = MaxOf(scores);
        double total = 0;
        var count = 0;
        for (var id = 0; id < scores.Length; id++)
        {
            if (scores[id] > float.NegativeInfinity)
            {
                total += Math.Exp(scores[id] - max);
                order[count++] = id;
            }
        }

        if (count == 0)
        {
            throw new InvalidOperationException($"mirostat_v2: the processor chain filtered out every token of row {row} at step {length - _context.PromptLength}.");
        }

        var candidates = order.AsSpan(0, count);
        candidates.Sort((a, b) => scores[a] != scores[b] ? scores[b].CompareTo(scores[a]) : a.CompareTo(b));

        // Keep the tokens whose surprise -log2(p) is at most mu; the most likely one always stays.
        var kept = 1;
        double keptMass = Math.Exp(scores[candidates[0]] - max);
        while (kept < count)
        {
            var weight = Math.Exp(scores[candidates[kept]] - max);
            if (-Math.Log2(weight / total) > _mu[row])
            {
                break;
            }

            keptMass += weight;
            kept++;
        }

        var draw = _context.Random.NextDouble() * keptMass;
        var chosen = candidates[kept - 1];
        double cumulative = 0;
        for (var i = 0; i < kept; i++)
        {
            cumulative += Math.Exp(scores[candidates[i]] - max);
            if (draw < cumulative)
            {
                chosen = candidates[i];
                break;
            }
        }

        var observedSurprise = -Math.Log2(Math.Exp(scores[chosen] - max) / keptMass);
        _mu[row] -= _eta * (observedSurprise - _tau);

        var logprob = rowLogits[chosen] - (float)LogSumExp(rowLogits);
        _scores[row].Add(scores[chosen]);
        _logprobs[row].Add(logprob);
        _context.Observer?.OnToken(row, length - _context.PromptLength, chosen, scores[chosen], logprob, null);
        return chosen;
    }

    private FinishReason Finished(int row, int length)
    {
        var token = _ids[row][length - 1];
        if (Array.IndexOf(_context.EosTokenIds, token) >= 0)
        {
            return FinishReason.EndOfSequence;
        }

        var stopping = new StoppingContext(_ids[row].AsSpan(0, length), _context.PromptLength, _context.MaxLength, row);
        foreach (var criterion in _context.StoppingCriteria)
        {
            if (criterion.Check(stopping) is var reason && reason != FinishReason.None)
            {
                return reason;
            }
        }

        return length >= _context.MaxLength ? FinishReason.Length : FinishReason.None;
    }

    private static float MaxOf(ReadOnlySpan<float> values)
    {
        var max = float.NegativeInfinity;
        foreach (var value in values)
        {
            max = Math.Max(max, value);
        }

        return max;
    }

    private static double LogSumExp(ReadOnlySpan<float> values)
    {
        var max = MaxOf(values);
        double sum = 0;
        foreach (var value in values)
        {
            sum += Math.Exp(value - max);
        }

        return max + Math.Log(sum);
    }
}
