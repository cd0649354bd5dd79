namespace Gpt2Kit.Decoding.Search;

/// <summary>Hugging Face 4.36–4.49 <c>BeamHypotheses</c>: the best finished hypotheses of one prompt (or one beam group),
/// scored <c>sum_logprobs / generated_length ^ length_penalty</c>, with the <c>early_stopping</c> rules.</summary>
/// <remarks>Belongs to one request; not thread-safe. Scores are compared in double precision, as Python floats are.</remarks>
internal sealed class BeamHypothesisPool(int size, double lengthPenalty, EarlyStopping earlyStopping, int maxLength)
{
    private readonly List<BeamHypothesis> _items = new(size + 1);
    private double _worstScore = 1e9;

    public IReadOnlyList<BeamHypothesis> Items => _items;

    public int Count => _items.Count;

    /// <summary>Offers a hypothesis; it enters when the pool is not full or it beats the worst, which is then evicted.</summary>
    public void Add(int[] tokens, double sumLogprobs, int generatedLength, BeamTrace trace, FinishReason reason)
    {
        double score = sumLogprobs / Math.Pow(generatedLength, lengthPenalty);
        if (_items.Count < size || score > _worstScore)
        {
            _items.Add(new BeamHypothesis(score, tokens, trace, reason));
            if (_items.Count > size)
            {
                // Python's sorted((score, index)): the lowest score goes, the earliest one among equals.
                int worst = 0;
                for (int i = 1; i < _items.Count; i++)
                {
                    if (_items[i].Score < _items[worst].Score)
                    {
                        worst = i;
                    }
                }

                _items.RemoveAt(worst);
                _worstScore = _items.Min(h => h.Score);
            }
            else
            {
                _worstScore = Math.Min(score, _worstScore);
            }
        }
    }

    /// <summary>Whether no running beam can still enter: the pool is full and, unless <c>early_stopping</c> is true, the best
    /// score reachable (<paramref name="bestSumLogprobs"/> normalised at <paramref name="currentLength"/>, or at
    /// <c>max_length</c> for "never" with a positive length penalty) does not beat the worst finished one.</summary>
    /// <param name="bestSumLogprobs">The best accumulated score among this step's candidates.</param>
    /// <param name="currentLength">Length including the token of this step.</param>
    /// <param name="promptLength">Width of the padded prompt.</param>
    public bool IsDone(double bestSumLogprobs, int currentLength, int promptLength)
    {
        if (_items.Count < size)
        {
            return false;
        }

        if (earlyStopping == EarlyStopping.True)
        {
            return true;
        }

        int length = earlyStopping == EarlyStopping.Never && lengthPenalty > 0 ? maxLength : currentLength;
        double highestAttainable = bestSumLogprobs / Math.Pow(length - promptLength, lengthPenalty);
        return _worstScore >= highestAttainable;
    }
}

/// <summary>A finished hypothesis: its normalised score, its tokens (prompt included, the ending EOS excluded), its trace and why it ended.</summary>
internal sealed record BeamHypothesis(double Score, int[] Tokens, BeamTrace Trace, FinishReason Reason);
