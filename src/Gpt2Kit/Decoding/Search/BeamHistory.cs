namespace Gpt2Kit.Decoding.Search;

/// <summary>What each running beam has accumulated per generated position: the row that produced the token (Hugging
/// Face's <c>beam_indices</c>), its processed score, the log-softmax of the raw logits at it and the optional
/// alternatives. Reordered with the beams after every step.</summary>
/// <remarks>Belongs to one request; not thread-safe.</remarks>
internal sealed class BeamHistory
{
    private readonly int _rows;
    private readonly int _width;
    private BeamSteps _current;
    private BeamSteps _next;

    public BeamHistory(int rows, int maxSteps, bool withAlternatives)
    {
        _rows = rows;
        _width = maxSteps;
        _current = new BeamSteps(rows * maxSteps, withAlternatives);
        _next = new BeamSteps(rows * maxSteps, withAlternatives);
    }

    /// <summary>Steps recorded per row.</summary>
    public int Steps { get; private set; }

    /// <summary>New row <c>r</c> continues old row <c>sources[r]</c> and records step <see cref="Steps"/> from the given values.</summary>
    public void Advance(ReadOnlySpan<int> sources, ReadOnlySpan<float> scores, ReadOnlySpan<float> logprobs, TokenAlternative[]?[]? alternatives)
    {
        int steps = Steps;
        for (int r = 0; r < _rows; r++)
        {
            int from = sources[r] * _width;
            int to = r * _width;
            Array.Copy(_current.BeamIndices, from, _next.BeamIndices, to, steps);
            Array.Copy(_current.Scores, from, _next.Scores, to, steps);
            Array.Copy(_current.Logprobs, from, _next.Logprobs, to, steps);
            _next.BeamIndices[to + steps] = sources[r];
            _next.Scores[to + steps] = scores[r];
            _next.Logprobs[to + steps] = logprobs[r];
            if (_next.Alternatives is not null)
            {
                Array.Copy(_current.Alternatives!, from, _next.Alternatives, to, steps);
                _next.Alternatives[to + steps] = alternatives?[r];
            }
        }

        (_current, _next) = (_next, _current);
        Steps = steps + 1;
    }

    /// <summary>A copy of row <paramref name="row"/>'s history, optionally followed by one more step (the EOS that ended
    /// a hypothesis).</summary>
    public BeamTrace Snapshot(int row, (int Source, float Score, float Logprob, TokenAlternative[]? Alternatives)? extra = null)
    {
        int steps = Steps + (extra is null ? 0 : 1);
        var trace = new BeamTrace(new int[steps], new float[steps], new float[steps], _current.Alternatives is null ? null : new TokenAlternative[]?[steps]);
        int from = row * _width;
        Array.Copy(_current.BeamIndices, from, trace.BeamIndices, 0, Steps);
        Array.Copy(_current.Scores, from, trace.Scores, 0, Steps);
        Array.Copy(_current.Logprobs, from, trace.Logprobs, 0, Steps);
        if (trace.Alternatives is not null)
        {
            Array.Copy(_current.Alternatives!, from, trace.Alternatives, 0, Steps);
        }

        if (extra is { } e)
        {
            trace.BeamIndices[Steps] = e.Source;
            trace.Scores[Steps] = e.Score;
            trace.Logprobs[Steps] = e.Logprob;
            if (trace.Alternatives is not null)
            {
                trace.Alternatives[Steps] = e.Alternatives;
            }
        }

        return trace;
    }

    private sealed class BeamSteps(int size, bool withAlternatives)
    {
        public int[] BeamIndices { get; } = new int[size];

        public float[] Scores { get; } = new float[size];

        public float[] Logprobs { get; } = new float[size];

        public TokenAlternative[]?[]? Alternatives { get; } = withAlternatives ? new TokenAlternative[]?[size] : null;
    }
}

/// <summary>The per-position record of one finished hypothesis (see <see cref="BeamHistory"/>).</summary>
internal sealed record BeamTrace(int[] BeamIndices, float[] Scores, float[] Logprobs, TokenAlternative[]?[]? Alternatives);
