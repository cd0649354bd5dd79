namespace Gpt2Kit.Decoding.Stopping;

/// <summary>The criteria a built-in strategy checks after each step, in order: EOS, the request's own criteria (stop
/// strings, <c>max_time</c>, plugins'), then the maximum length. The first that fires names the row's finish reason.</summary>
/// <remarks>Belongs to one request; not thread-safe.</remarks>
internal sealed class StoppingPipeline
{
    private readonly IStoppingCriterion[] _criteria;

    public StoppingPipeline(int[] eosTokenIds, IReadOnlyList<IStoppingCriterion> requestCriteria)
    {
        var list = new List<IStoppingCriterion>();
        if (eosTokenIds.Length > 0)
        {
            list.Add(new EosTokenCriterion(eosTokenIds));
        }

        list.AddRange(requestCriteria);
        list.Add(MaxLengthCriterion.Instance);
        _criteria = [.. list];
        RequestCriteria = requestCriteria;
    }

    /// <summary>The request's own criteria (beam searches check only these, and only for all rows at once).</summary>
    public IReadOnlyList<IStoppingCriterion> RequestCriteria { get; }

    /// <summary>Why the row is finished, or <see cref="FinishReason.None"/>.</summary>
    public FinishReason Check(ReadOnlySpan<int> row, int promptLength, int maxLength, int rowIndex)
    {
        var context = new StoppingContext(row, promptLength, maxLength, rowIndex);
        foreach (var criterion in _criteria)
        {
            var reason = criterion.Check(in context);
            if (reason != FinishReason.None)
            {
                return reason;
            }
        }

        return FinishReason.None;
    }

    /// <summary>The first reason one of the request's own criteria gives for the row, or <see cref="FinishReason.None"/>.</summary>
    public FinishReason CheckRequestCriteria(ReadOnlySpan<int> row, int promptLength, int maxLength, int rowIndex)
    {
        var context = new StoppingContext(row, promptLength, maxLength, rowIndex);
        foreach (var criterion in RequestCriteria)
        {
            var reason = criterion.Check(in context);
            if (reason != FinishReason.None)
            {
                return reason;
            }
        }

        return FinishReason.None;
    }
}
