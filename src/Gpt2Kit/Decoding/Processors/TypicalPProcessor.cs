using System.Numerics.Tensors;

namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>TypicalLogitsWarper</c> (locally typical sampling): orders tokens by how far their
/// surprisal <c>−log p</c> is from the entropy, and keeps the closest ones until their mass reaches <c>typical_p</c>.</summary>
/// <remarks>Exactly as Hugging Face: with <c>d = |−log p − H|</c> in ascending (stable) order and <c>c</c> the cumulative
/// probability in that order, <c>last = min(#(c &lt; mass), V − 1)</c>; tokens whose <c>d</c> is strictly greater than the
/// <c>d</c> at <c>last</c> are removed, except the first <c>min_tokens_to_keep</c> of the order. Only the tokens near
/// <c>last</c> are sorted (<see cref="CumulativeOrderSearch"/>). Keeps scratch buffers; one instance per request,
/// not thread-safe.</remarks>
internal sealed class TypicalPProcessor : ILogitsProcessor
{
    private readonly float _mass;
    private readonly int _minTokensToKeep;
    private readonly CumulativeOrderSearch _search = new();
    private readonly SoftmaxBuffers _softmax = new();
    private readonly KeptTopTokens _kept = new();

    /// <summary>Creates the warper; <paramref name="mass"/> in (0, 1).</summary>
    public TypicalPProcessor(double mass, int minTokensToKeep)
    {
        _mass = (float)mass;
        _minTokensToKeep = minTokensToKeep;
    }

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        var probabilities = _softmax.Probabilities(scores, out var closeness);
        var entropy = (float)ScoreKernels.Entropy(closeness, probabilities);

        // closeness = −d = −|−log p − H|: the largest closeness is the most typical token.
        TensorPrimitives.Negate(closeness, closeness);
        TensorPrimitives.Subtract(closeness, entropy, closeness);
        TensorPrimitives.Abs(closeness, closeness);
        TensorPrimitives.Negate(closeness, closeness);

        // last = the first position where the cumulative probability reaches the mass; when it never does (rounding),
        // Hugging Face's last is the end of the order and nothing is removed.
        if (!_search.FindFirst(closeness, probabilities, new Reaches(_mass), lowerIdFirstOnTies: true, out _, out var lastId))
        {
            return;
        }

        var limit = closeness[lastId];

        // The most typical token always survives (its d is the smallest); more only for min_tokens_to_keep > 1.
        var keepMore = _minTokensToKeep > 1;
        if (keepMore)
        {
            _kept.Remember(closeness, scores, _minTokensToKeep);
        }

        // d > d_last  ⇔  −d < −d_last.
        ScoreKernels.MaskWhereBelow(scores, closeness, limit);
        if (keepMore)
        {
            _kept.Restore(scores);
        }
    }

    private readonly struct Reaches(float mass) : IMassCondition
    {
        public bool IsMet(double cumulativeMass) => (float)cumulativeMass >= mass;
    }
}

/// <summary>Creates <c>typical_p</c> warpers. Settings: <c>p</c> (alias <c>typical_p</c>), a number in (0, 1);
/// <c>min_keep</c> (alias <c>min_tokens_to_keep</c>), an integer &gt;= 1, by default the request's.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class TypicalPProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "typical_p";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Warper;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        var p = SettingKeys.ReadNumber(arguments, "p", "typical_p", new NumberRange(0, 1, MinExclusive: true, MaxExclusive: true));
        return new TypicalPProcessor(p, SettingKeys.ReadMinTokensToKeep(arguments, context));
    }
}
