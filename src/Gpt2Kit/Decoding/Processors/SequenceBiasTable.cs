namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>SequenceBiasLogitsProcessor</c>'s bias computation, shared by <c>sequence_bias</c> and
/// <c>bad_words</c>: single-token biases always apply; a longer sequence biases its last token when the row ends with
/// the rest of it (and is not shorter than the sequence). Biases of one token add up before they are added to its score.</summary>
/// <remarks>Keeps a scratch table; one instance per request, not thread-safe.</remarks>
internal sealed class SequenceBiasTable
{
    private readonly int[] _singleTokens;
    private readonly float[] _singleBiases;
    private readonly Dictionary<int, float> _singleByToken;
    private readonly int[][] _sequences;
    private readonly float[] _sequenceBiases;
    private readonly Dictionary<int, float> _pending = [];

    /// <summary>Builds the table. Like Hugging Face's dictionary keyed by the sequence, a repeated sequence keeps its
    /// first position and its last bias.</summary>
    public SequenceBiasTable(IEnumerable<(int[] Tokens, float Bias)> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        // A hash of each sequence finds its first position in constant time, so binding n sequences is linear.
        var distinct = new List<(int[] Tokens, float Bias)>();
        var positions = new Dictionary<int[], int>(TokenSequenceComparer.Instance);
        foreach (var (tokens, bias) in entries)
        {
            if (positions.TryGetValue(tokens, out var at))
            {
                distinct[at] = (distinct[at].Tokens, bias);
            }
            else
            {
                positions.Add(tokens, distinct.Count);
                distinct.Add((tokens, bias));
            }
        }

        var singles = distinct.Where(e => e.Tokens.Length == 1).ToList();
        _singleTokens = singles.Select(e => e.Tokens[0]).ToArray();
        _singleBiases = singles.Select(e => e.Bias).ToArray();
        _singleByToken = singles.ToDictionary(e => e.Tokens[0], e => e.Bias);
        var sequences = distinct.Where(e => e.Tokens.Length > 1).ToList();
        _sequences = sequences.Select(e => e.Tokens).ToArray();
        _sequenceBiases = sequences.Select(e => e.Bias).ToArray();
    }

    /// <summary>Whether the table biases nothing.</summary>
    public bool IsEmpty => _singleTokens.Length == 0 && _sequences.Length == 0;

    /// <summary>Adds the biases that apply after <paramref name="row"/> to <paramref name="scores"/>.</summary>
    public void Apply(ReadOnlySpan<int> row, Span<float> scores)
    {
        _pending.Clear();
        for (var i = 0; i < _sequences.Length; i++)
        {
            var sequence = _sequences[i];
            if (sequence.Length > row.Length || !row[^(sequence.Length - 1)..].SequenceEqual(sequence.AsSpan(0, sequence.Length - 1)))
            {
                continue;
            }

            var last = sequence[^1];
            var sum = _pending.TryGetValue(last, out var pending) ? pending : _singleByToken.GetValueOrDefault(last);
            _pending[last] = sum + _sequenceBiases[i];
        }

        for (var i = 0; i < _singleTokens.Length; i++)
        {
            if (!_pending.ContainsKey(_singleTokens[i]))
            {
                scores[_singleTokens[i]] += _singleBiases[i];
            }
        }

        foreach (var (token, bias) in _pending)
        {
            scores[token] += bias;
        }
    }
}

/// <summary>Compares token sequences by content.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal sealed class TokenSequenceComparer : IEqualityComparer<int[]>
{
    public static TokenSequenceComparer Instance { get; } = new();

    public bool Equals(int[]? x, int[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

    public int GetHashCode(int[] obj)
    {
        var hash = default(HashCode);
        hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(obj.AsSpan()));
        return hash.ToHashCode();
    }
}
