using System.Numerics.Tensors;

namespace Gpt2Kit.Decoding.Processors;

/// <summary>The <c>min_tokens_to_keep</c> rule of the warpers that mask by a key: the scores of the tokens with the
/// largest keys are remembered before the mask and written back after it.</summary>
/// <remarks>One instance per processor; not thread-safe.</remarks>
internal sealed class KeptTopTokens
{
    private readonly ScoreSelector _selector = new();
    private (int Id, float Score)[] _kept = [];
    private int _count;

    /// <summary>Remembers the scores of the <paramref name="count"/> tokens with the largest <paramref name="keys"/>
    /// (equal keys: the lower id first, as a stable descending sort orders them).</summary>
    public void Remember(ReadOnlySpan<float> keys, ReadOnlySpan<float> scores, int count)
    {
        count = Math.Min(count, keys.Length);
        if (_kept.Length < count)
        {
            _kept = new (int, float)[count];
        }

        if (count == 1)
        {
            var top = TensorPrimitives.IndexOfMax(keys);
            _kept[0] = (top, scores[top]);
        }
        else
        {
            var ordered = _selector.LargestInOrder(keys, count, lowerIdFirstOnTies: true);
            for (var i = 0; i < count; i++)
            {
                var id = _selector.IdOf(ordered[i]);
                _kept[i] = (id, scores[id]);
            }
        }

        _count = count;
    }

    /// <summary>Writes the remembered scores back.</summary>
    public void Restore(Span<float> scores)
    {
        foreach (var (id, score) in _kept.AsSpan(0, _count))
        {
            scores[id] = score;
        }
    }
}
