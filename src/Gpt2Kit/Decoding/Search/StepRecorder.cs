namespace Gpt2Kit.Decoding.Search;

/// <summary>Per row and generated position: the processed score of the chosen token (Hugging Face's transition score),
/// the log-softmax of the raw logits at it, and the optional alternatives. For the strategies whose rows never move
/// (greedy, sampling, contrastive).</summary>
/// <remarks>Belongs to one request; not thread-safe.</remarks>
internal sealed class StepRecorder
{
    private readonly int _width;
    private readonly float[] _scores;
    private readonly float[] _logprobs;
    private readonly TokenAlternative[]?[]? _alternatives;

    public StepRecorder(int rows, int maxSteps, bool withAlternatives)
    {
        Rows = rows;
        _width = maxSteps;
        _scores = new float[rows * maxSteps];
        _logprobs = new float[rows * maxSteps];
        _alternatives = withAlternatives ? new TokenAlternative[]?[rows * maxSteps] : null;
    }

    public int Rows { get; }

    public void Record(int row, int step, float score, float logprob, TokenAlternative[]? alternatives)
    {
        int i = row * _width + step;
        _scores[i] = score;
        _logprobs[i] = logprob;
        if (_alternatives is not null)
        {
            _alternatives[i] = alternatives;
        }
    }

    public IReadOnlyList<float[]> TransitionScores(int steps) => Slices(_scores, steps);

    public IReadOnlyList<float[]> TokenLogprobs(int steps) => Slices(_logprobs, steps);

    public IReadOnlyList<IReadOnlyList<TokenAlternative[]>>? Alternatives(int steps)
    {
        if (_alternatives is null)
        {
            return null;
        }

        var result = new IReadOnlyList<TokenAlternative[]>[Rows];
        for (int r = 0; r < Rows; r++)
        {
            var row = new TokenAlternative[steps][];
            for (int t = 0; t < steps; t++)
            {
                row[t] = _alternatives[r * _width + t] ?? [];
            }

            result[r] = row;
        }

        return result;
    }

    private IReadOnlyList<float[]> Slices(float[] values, int steps)
    {
        var result = new float[Rows][];
        for (int r = 0; r < Rows; r++)
        {
            result[r] = values.AsSpan(r * _width, steps).ToArray();
        }

        return result;
    }
}
