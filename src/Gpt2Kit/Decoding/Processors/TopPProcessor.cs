namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>TopPLogitsWarper</c> (nucleus sampling): keeps the smallest set of most likely tokens whose
/// probability mass reaches <c>p</c>, and never fewer than <c>min_tokens_to_keep</c>.</summary>
/// <remarks>Hugging Face sorts the whole vocabulary ascending (stably, so among equal scores the lower id counts as
/// smaller) and removes the positions whose cumulative probability is ≤ 1 − p. Here the cumulative probability at a
/// token is the total minus the mass above it in descending order, summed in double precision as PyTorch's CPU
/// <c>cumsum</c> does, and only the tokens near the cut are sorted (<see cref="CumulativeOrderSearch"/>).
/// Keeps scratch buffers; one instance per request, not thread-safe.</remarks>
internal sealed class TopPProcessor : ILogitsProcessor
{
    private readonly float _removeAtOrBelow;
    private readonly int _minTokensToKeep;
    private readonly CumulativeOrderSearch _search = new();
    private readonly ScoreSelector _selector = new();
    private readonly SoftmaxBuffers _softmax = new();

    /// <summary>Creates the warper; <paramref name="topP"/> in [0, 1].</summary>
    public TopPProcessor(double topP, int minTokensToKeep)
    {
        _removeAtOrBelow = (float)(1 - topP);
        _minTokensToKeep = minTokensToKeep;
    }

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        var probabilities = _softmax.Probabilities(scores);

        // A token is removed once the mass above it leaves ≤ 1 − p for it and everything below it.
        var removed = new RemovedOnceAbove(ScoreKernels.SumAsDouble(probabilities), _removeAtOrBelow);
        int kept;
        int lastKeptId;
        if (removed.IsMet(0))
        {
            (kept, lastKeptId) = (0, -1);
        }
        else if (_search.FindFirst(scores, probabilities, removed, lowerIdFirstOnTies: false, out var position, out var id))
        {
            (kept, lastKeptId) = (position + 1, id);
        }
        else
        {
            return;
        }

        if (kept < _minTokensToKeep)
        {
            if (_minTokensToKeep >= scores.Length)
            {
                return;
            }

            var ordered = _selector.LargestInOrder(scores, _minTokensToKeep, lowerIdFirstOnTies: false);
            lastKeptId = _selector.IdOf(ordered[_minTokensToKeep - 1]);
        }

        // Keep the scores above the last kept one; of the scores equal to it, the higher ids come first in the order.
        var boundary = scores[lastKeptId];
        if (float.IsNegativeInfinity(boundary))
        {
            return; // Fewer finite scores than min_tokens_to_keep: nothing finite is removed.
        }

        ScoreKernels.MaskBelow(scores, boundary);
        var lower = scores[..lastKeptId];
        for (var i = lower.IndexOf(boundary); i >= 0; i = lower.IndexOf(boundary))
        {
            lower[i] = float.NegativeInfinity;
        }
    }

    private readonly struct RemovedOnceAbove(double total, float removeAtOrBelow) : IMassCondition
    {
        public bool IsMet(double cumulativeMass) => (float)(total - cumulativeMass) <= removeAtOrBelow;
    }
}

/// <summary>Creates <c>top_p</c> warpers. Settings: <c>p</c> (alias <c>top_p</c>), a number in [0, 1];
/// <c>min_keep</c> (alias <c>min_tokens_to_keep</c>), an integer &gt;= 1, by default the request's.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class TopPProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "top_p";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Warper;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        var p = SettingKeys.ReadNumber(arguments, "p", "top_p", NumberRange.Between(0, 1));
        return new TopPProcessor(p, SettingKeys.ReadMinTokensToKeep(arguments, context));
    }
}
