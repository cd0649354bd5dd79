using System.Numerics.Tensors;

namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>MinPLogitsWarper</c>: removes the tokens whose probability is below <c>min_p</c> times the
/// largest probability; the <c>min_tokens_to_keep</c> highest scores are always kept.</summary>
/// <remarks>Keeps scratch buffers; one instance per request, not thread-safe.</remarks>
internal sealed class MinPProcessor : ILogitsProcessor
{
    private readonly float _minP;
    private readonly int _minTokensToKeep;
    private readonly ScoreSelector _selector = new();
    private float[] _probabilities = [];
    private (int Id, float Score)[] _protected = [];

    /// <summary>Creates the warper; <paramref name="minP"/> in [0, 1].</summary>
    public MinPProcessor(double minP, int minTokensToKeep)
    {
        _minP = (float)minP;
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
        var limit = _minP * TensorPrimitives.Max(probabilities);

        // The highest scores in a stable descending order survive whatever their probability.
        var keep = Math.Min(_minTokensToKeep, vocabulary);
        if (_protected.Length < keep)
        {
            _protected = new (int, float)[keep];
        }

        if (keep == 1)
        {
            var top = TensorPrimitives.IndexOfMax(scores);
            _protected[0] = (top, scores[top]);
        }
        else
        {
            var ordered = _selector.LargestInOrder(scores, keep, lowerIdFirstOnTies: true);
            for (var i = 0; i < keep; i++)
            {
                var id = _selector.IdOf(ordered[i]);
                _protected[i] = (id, scores[id]);
            }
        }

        ScoreMath.MaskWhereBelow(scores, probabilities, limit);
        foreach (var (id, score) in _protected.AsSpan(0, keep))
        {
            scores[id] = score;
        }
    }
}

/// <summary>Creates <c>min_p</c> warpers. Settings: <c>p</c> (alias <c>min_p</c>), a number in [0, 1];
/// <c>min_keep</c> (alias <c>min_tokens_to_keep</c>), an integer &gt;= 1, by default the request's.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class MinPProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "min_p";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Warper;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        var p = SettingKeys.ReadNumber(arguments, "p", "min_p", NumberRange.UnitClosed);
        return new MinPProcessor(p, SettingKeys.ReadMinTokensToKeep(arguments, context));
    }
}
