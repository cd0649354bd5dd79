namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>TopPLogitsWarper</c> (nucleus sampling): keeps the smallest set of most likely tokens whose
/// probability mass reaches <c>p</c>, and never fewer than <c>min_tokens_to_keep</c>.</summary>
/// <remarks>Hugging Face sorts the whole vocabulary ascending (stably, so among equal scores the lower id counts as
/// smaller) and removes the positions whose cumulative probability is ≤ 1 − p. Only the top of that order can be kept,
/// so this walks the largest scores in descending order, fetching more of them only when the mass is not reached yet.
/// The cumulative mass below a token is the total minus the mass above it, summed in double precision as PyTorch's
/// CPU <c>cumsum</c> does. Keeps scratch buffers; one instance per request, not thread-safe.</remarks>
internal sealed class TopPProcessor : ILogitsProcessor
{
    private const int FirstRound = 256;

    private readonly float _removeAtOrBelow;
    private readonly int _minTokensToKeep;
    private readonly ScoreSelector _selector = new();
    private float[] _probabilities = [];

    /// <summary>Creates the warper; <paramref name="topP"/> in [0, 1].</summary>
    public TopPProcessor(double topP, int minTokensToKeep)
    {
        _removeAtOrBelow = (float)(1 - topP);
        _minTokensToKeep = minTokensToKeep;
    }

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        var vocabulary = scores.Length;
        if (_probabilities.Length < vocabulary)
        {
            _probabilities = new float[vocabulary];
        }

        var probabilities = _probabilities.AsSpan(0, vocabulary);
        ScoreMath.Softmax(scores, probabilities);
        var total = ScoreMath.SumAsDouble(probabilities);

        ReadOnlySpan<long> ordered;
        var kept = 0;
        for (var round = Math.Max(FirstRound, _minTokensToKeep); ; round = (int)Math.Min((long)round * 4, vocabulary))
        {
            // Descending scores; among equal scores the higher id first (it is the larger one in the ascending stable order).
            ordered = _selector.LargestInOrder(scores, round, lowerIdFirstOnTies: false);
            kept = 0;
            var above = 0.0;
            var decided = false;
            foreach (var entry in ordered)
            {
                if ((float)(total - above) <= _removeAtOrBelow)
                {
                    decided = true;
                    break;
                }

                kept++;
                above += probabilities[_selector.IdOf(entry)];
            }

            if (decided || ordered.Length == vocabulary)
            {
                break;
            }
        }

        var keep = Math.Min(Math.Max(kept, _minTokensToKeep), vocabulary);
        if (keep >= vocabulary)
        {
            return;
        }

        // Keep everything above the last kept score, and of the scores equal to it only those inside the kept prefix.
        var boundary = scores[_selector.IdOf(ordered[keep - 1])];
        ScoreMath.MaskBelow(scores, boundary);
        for (var i = keep; i < ordered.Length; i++)
        {
            var id = _selector.IdOf(ordered[i]);
            if (scores[id] != boundary)
            {
                break;
            }

            scores[id] = float.NegativeInfinity;
        }
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
        var p = SettingKeys.ReadNumber(arguments, "p", "top_p", NumberRange.UnitClosed);
        return new TopPProcessor(p, SettingKeys.ReadMinTokensToKeep(arguments, context));
    }
}
