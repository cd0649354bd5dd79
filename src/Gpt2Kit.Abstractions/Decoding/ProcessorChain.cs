namespace Gpt2Kit.Decoding;

/// <summary>The chain of one request, built once: processors in the order they run, each with the name it was registered
/// under, optionally ending with a <see cref="ITokenSelector"/>. A token-by-token loop (or a batching scheduler) drives it
/// one row at a time: <see cref="Process"/>, <see cref="Choose"/>, then <see cref="Observe"/> with the token taken.</summary>
/// <remarks>Belongs to one request, like its processors: not thread-safe.</remarks>
public sealed record ProcessorChain
{
    private readonly ITokenObserver[] _observers;

    /// <summary>Creates a chain.</summary>
    /// <param name="processors">The processors, applied first to last; the last may also be an <see cref="ITokenSelector"/>.</param>
    /// <param name="names">Their names (<c>repetition_penalty</c>, <c>top_k</c>, …), one per processor.</param>
    public ProcessorChain(IReadOnlyList<ILogitsProcessor> processors, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(processors);
        ArgumentNullException.ThrowIfNull(names);
        Processors = processors;
        Names = names;
        Selector = processors.Count > 0 ? processors[^1] as ITokenSelector : null;
        _observers = processors.OfType<ITokenObserver>().ToArray();
    }

    /// <summary>An empty chain.</summary>
    public static ProcessorChain Empty { get; } = new([], []);

    /// <summary>The processors, applied first to last.</summary>
    public IReadOnlyList<ILogitsProcessor> Processors { get; }

    /// <summary>Their names, one per processor.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The chain's own selector (its last processor, when that chooses), or null.</summary>
    public ITokenSelector? Selector { get; }

    /// <summary>Runs every processor on one row's scores, in order.</summary>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        // Indexing rather than foreach: no enumerator is allocated per token.
        for (var i = 0; i < Processors.Count; i++)
        {
            Processors[i].Process(context, scores);
        }
    }

    /// <summary>Runs the chain on one row and chooses its token: the chain's <see cref="Selector"/>, or
    /// <paramref name="fallback"/> (the strategy's argmax or draw) when the chain has none.</summary>
    public int Choose(in LogitsContext context, Span<float> scores, Random random, ITokenSelector fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        Process(context, scores);
        return (Selector ?? fallback).Select(context, scores, random);
    }

    /// <summary>Tells every <see cref="ITokenObserver"/> step which token the row took.</summary>
    public void Observe(in LogitsContext context, int token)
    {
        for (var i = 0; i < _observers.Length; i++)
        {
            _observers[i].Accept(context, token);
        }
    }
}

/// <summary>The built-in choices, as selectors: the first most likely token, and a seeded draw from <c>softmax</c>.</summary>
/// <remarks>Stateless apart from the draw's scratch: <see cref="Greedy"/> is shared; create one <see cref="Sampling"/>
/// per request (not thread-safe).</remarks>
public static class TokenSelectors
{
    /// <summary>Argmax (first index on ties).</summary>
    public static ITokenSelector Greedy { get; } = new GreedySelector();

    /// <summary>A draw from <c>softmax(scores)</c> with the request's random source, for vocabularies of up to
    /// <paramref name="vocabSize"/> tokens.</summary>
    public static ITokenSelector Sampling(int vocabSize) => new SamplingSelector(vocabSize);

    private sealed class GreedySelector : ITokenSelector
    {
        public int Select(in LogitsContext context, ReadOnlySpan<float> scores, Random random) => ScoreMath.ArgMax(scores);
    }

    private sealed class SamplingSelector(int vocabSize) : ITokenSelector
    {
        private readonly double[] _weights = new double[vocabSize];

        public int Select(in LogitsContext context, ReadOnlySpan<float> scores, Random random) => ScoreMath.Draw(scores, random, _weights);
    }
}
