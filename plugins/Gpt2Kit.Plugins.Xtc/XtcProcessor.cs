using Gpt2Kit.Decoding;

namespace Gpt2Kit.Plugins.Xtc;

/// <summary>With chance <c>probability</c>, removes every token whose probability is at least <c>threshold</c> except the
/// least likely of them, so the model picks a less obvious continuation that is still plausible.</summary>
/// <remarks>Belongs to one request (it owns the request's random source); not thread-safe.</remarks>
internal sealed class XtcProcessor(double probability, double threshold, int minKeep, Random random) : ILogitsProcessor
{
    private readonly List<int> _topChoices = [];
    private float[] _scratch = [];

    public void Process(in LogitsContext context, Span<float> scores)
    {
        // As llama.cpp: nothing to do when disabled or when at most one token can reach the threshold; the draw only
        // happens when XTC could act.
        if (probability <= 0 || threshold > 0.5)
        {
            return;
        }

        if (random.NextDouble() > probability)
        {
            return;
        }

        var finite = 0;
        foreach (var score in scores)
        {
            finite += score > float.NegativeInfinity ? 1 : 0;
        }

        if (finite < 2)
        {
            return;
        }

        // p >= threshold  <=>  score >= logsumexp(scores) + log(threshold), with the host's shared log-sum-exp.
        if (_scratch.Length < scores.Length)
        {
            _scratch = new float[scores.Length];
        }

        var cut = threshold <= 0 ? float.NegativeInfinity : ScoreMath.LogSumExp(scores, _scratch) + Math.Log(threshold);
        _topChoices.Clear();
        for (var id = 0; id < scores.Length; id++)
        {
            if (scores[id] > float.NegativeInfinity && scores[id] >= cut)
            {
                _topChoices.Add(id);
            }
        }

        if (_topChoices.Count < 2 || finite - (_topChoices.Count - 1) < minKeep)
        {
            return;
        }

        // Keep the least likely top choice (on ties, the one a stable descending sort puts last: the highest id).
        var spared = _topChoices[0];
        foreach (var id in _topChoices)
        {
            if (scores[id] <= scores[spared])
            {
                spared = id;
            }
        }

        foreach (var id in _topChoices)
        {
            if (id != spared)
            {
                scores[id] = float.NegativeInfinity;
            }
        }
    }
}
