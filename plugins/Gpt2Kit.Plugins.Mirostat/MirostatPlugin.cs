using Gpt2Kit.Decoding;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Plugins.Mirostat;

/// <summary>Registers Mirostat v2 as the chain step <c>mirostat_v2</c>: a selector that ends a sampling chain, e.g.
/// <c>{ "type": "mirostat_v2", "tau": 5, "eta": 0.1 }</c> as the last entry of <c>Processors</c>.</summary>
/// <remarks>Called once by the plugin loader; not thread-safe.</remarks>
public sealed class MirostatPlugin : IGpt2KitPlugin
{
    /// <inheritdoc/>
    public void Register(IGpt2KitBuilder builder) => builder.Services.AddSingleton<ILogitsProcessorFactory, MirostatSelectorFactory>();
}

/// <summary>Creates Mirostat v2 selectors. Settings per request: <c>tau</c> (target surprise in bits, default 5) and
/// <c>eta</c> (learning rate, default 0.1), both in (0, 1000000].</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class MirostatSelectorFactory : ILogitsProcessorFactory
{
    private static readonly NumberRange Positive = new(0, 1e6, MinExclusive: true);

    /// <inheritdoc/>
    public string Name => "mirostat_v2";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Selector;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        return new MirostatSelector(arguments.GetDouble("tau", Positive, 5.0), arguments.GetDouble("eta", Positive, 0.1), context.Model.VocabSize);
    }
}

/// <summary>Mirostat v2: keeps the tokens whose surprise <c>−log2 p</c> is at most the row's <c>mu</c> (the most likely always),
/// draws from them, then moves <c>mu</c> by <c>−eta · (surprise − tau)</c>; <c>mu</c> starts at <c>2·tau</c>.</summary>
/// <remarks>Belongs to one request; not thread-safe.</remarks>
internal sealed class MirostatSelector(double tau, double eta, int vocabSize) : ILogitsProcessor, ITokenSelector, ITokenObserver
{
    private readonly Dictionary<int, double> _mu = [];
    private readonly float[] _probabilities = new float[vocabSize];
    private readonly double[] _kept = new double[vocabSize];
    private readonly int[] _order = new int[vocabSize];
    private readonly float[] _sorted = new float[vocabSize];
    private double _keptMass;

    public void Process(in LogitsContext context, Span<float> scores)
    {
    }

    public int Select(in LogitsContext context, ReadOnlySpan<float> scores, Random random)
    {
        var mu = _mu.GetValueOrDefault(context.Row, 2 * tau);
        ScoreMath.Softmax(scores, _probabilities);
        int count = ScoreMath.TopK(scores, _order.AsSpan(0, scores.Length), _sorted.AsSpan(0, scores.Length));
        Array.Clear(_kept);
        _keptMass = 0;
        for (int i = 0; i < count && (i == 0 || -Math.Log2(_probabilities[_order[i]]) <= mu); i++)
        {
            _kept[_order[i]] = _probabilities[_order[i]];
            _keptMass += _kept[_order[i]];
        }

        return ScoreMath.DrawFromWeights(_kept.AsSpan(0, scores.Length), _keptMass, random);
    }

    public void Accept(in LogitsContext context, int token)
    {
        var surprise = -Math.Log2(_kept[token] / _keptMass);
        _mu[context.Row] = _mu.GetValueOrDefault(context.Row, 2 * tau) - eta * (surprise - tau);
    }
}
