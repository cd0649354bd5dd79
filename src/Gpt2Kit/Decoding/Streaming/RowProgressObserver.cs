namespace Gpt2Kit.Decoding.Streaming;

/// <summary>Counts, per output row, the tokens a strategy reported before the row finished, and passes every call on to
/// an inner observer (the stream), so that the final texts cover exactly the streamed tokens.</summary>
/// <remarks>Belongs to one request; called on the strategy's thread only.</remarks>
internal sealed class RowProgressObserver(IGenerationObserver? inner) : IGenerationObserver
{
    private readonly Dictionary<int, int> _tokens = [];
    private readonly Dictionary<int, FinishReason> _finished = [];

    /// <summary>Whether the strategy reported anything (beam searches do not).</summary>
    public bool Reported => _tokens.Count > 0 || _finished.Count > 0;

    /// <summary>Tokens reported for <paramref name="row"/>.</summary>
    public int TokensOf(int row) => _tokens.GetValueOrDefault(row);

    /// <summary>Whether <paramref name="row"/> was reported finished.</summary>
    public bool IsFinished(int row) => _finished.ContainsKey(row);

    public void OnToken(int row, int step, int tokenId, float score, float logprob, IReadOnlyList<TokenAlternative>? alternatives)
    {
        _tokens[row] = _tokens.GetValueOrDefault(row) + 1;
        inner?.OnToken(row, step, tokenId, score, logprob, alternatives);
    }

    public void OnFinished(int row, FinishReason reason)
    {
        if (_finished.TryAdd(row, reason))
        {
            inner?.OnFinished(row, reason);
        }
    }
}
