using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Decoding.Search;

/// <summary>Builds the <see cref="GenerationOptions.TopAlternatives"/> report of one row at one step: the most likely
/// tokens of the processed scores, with their log-softmax and text.</summary>
/// <remarks>Belongs to one request; not thread-safe (it reuses its buffers).</remarks>
internal sealed class TopAlternatives
{
    private readonly int _count;
    private readonly ITokenizer? _tokenizer;
    private readonly int[] _indices;
    private readonly float[] _values;
    private readonly float[] _scratch;

    public TopAlternatives(int count, int vocabSize, ITokenizer? tokenizer)
    {
        _count = Math.Min(count, vocabSize);
        _tokenizer = tokenizer;
        _indices = new int[_count];
        _values = new float[_count];
        _scratch = _count > 0 ? new float[vocabSize] : [];
    }

    /// <summary>Whether alternatives were asked for.</summary>
    public bool Enabled => _count > 0;

    /// <summary>The top alternatives of <paramref name="scores"/>, or null when none were asked for.</summary>
    public TokenAlternative[]? Build(ReadOnlySpan<float> scores)
    {
        if (_count == 0)
        {
            return null;
        }

        float lse = ScoreMath.LogSumExp(scores, _scratch);
        int n = ScoreMath.TopK(scores, _indices, _values);
        var result = new TokenAlternative[n];
        for (int i = 0; i < n; i++)
        {
            int id = _indices[i];
            result[i] = new TokenAlternative(id, _values[i], _values[i] - lse, TextOf(id));
        }

        return result;
    }

    private string? TextOf(int id)
    {
        if (_tokenizer is null || id >= _tokenizer.VocabSize)
        {
            return null;
        }

        return _tokenizer.Decode([id]);
    }
}
