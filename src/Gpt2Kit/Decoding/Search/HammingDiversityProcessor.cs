using System.Globalization;

namespace Gpt2Kit.Decoding.Search;

/// <summary>Hugging Face <c>HammingDiversityLogitsProcessor</c> for group (diverse) beam search: while group <c>g</c> of a
/// prompt chooses its tokens, every token already chosen at this step by groups <c>0..g−1</c> of the same prompt loses
/// <c>diversity_penalty × (how many of them chose it)</c>.</summary>
/// <remarks>Belongs to one request; not thread-safe. The group beam search tells it, before each group, which tokens the
/// earlier groups chose (<see cref="BeginGroup"/>); outside group beam search it changes nothing.</remarks>
internal sealed class HammingDiversityProcessor(double penalty, int numBeams, int numGroups) : ILogitsProcessor
{
    /// <summary>The processor's name in chains and reports.</summary>
    public const string ProcessorName = "hamming_diversity";

    private int[] _currentTokens = [];
    private int _group;

    /// <summary>The beams per group.</summary>
    public int GroupSize { get; } = numBeams / numGroups;

    /// <summary>Group <paramref name="group"/> is about to choose; <paramref name="currentTokens"/> holds, per global row
    /// (<c>prompt × num_beams + beam</c>), the tokens chosen at this step so far.</summary>
    public void BeginGroup(int[] currentTokens, int group)
    {
        _currentTokens = currentTokens;
        _group = group;
    }

    public void Process(in LogitsContext context, Span<float> scores)
    {
        if (_group == 0 || _currentTokens.Length == 0)
        {
            return;
        }

        int start = context.BatchIndex * numBeams;
        int end = start + _group * GroupSize;
        for (int k = start; k < end; k++)
        {
            int token = _currentTokens[k];
            if (_currentTokens.AsSpan(start, k - start).Contains(token))
            {
                continue;
            }

            int count = _currentTokens.AsSpan(k, end - k).Count(token);
            scores[token] -= (float)(penalty * count);
        }
    }
}

/// <summary>Creates the <see cref="HammingDiversityProcessor"/> for an explicit chain entry <c>{ "type": "hamming_diversity" }</c>.
/// Settings: <c>penalty</c> (alias <c>diversity_penalty</c>; default the request's <c>diversity_penalty</c>), a number &gt; 0.
/// The beam and group counts come from the request.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal sealed class HammingDiversityProcessorFactory : ILogitsProcessorFactory
{
    public string Name => HammingDiversityProcessor.ProcessorName;

    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        string key = arguments.Has("diversity_penalty") ? "diversity_penalty" : "penalty";
        double penalty = arguments.GetDouble(key, context.Options.DiversityPenalty, min: 0, minExclusive: true);
        return Create(penalty, context.Options);
    }

    /// <summary>The processor for a request's options (what the implicit group beam chain uses).</summary>
    public static HammingDiversityProcessor Create(double penalty, GenerationOptions options)
    {
        int groups = Math.Max(1, options.NumBeamGroups);
        if (options.NumBeams % groups != 0)
        {
            throw new GenerationConfigurationException("num_beam_groups", groups.ToString(CultureInfo.InvariantCulture),
                $"a divisor of num_beams ({options.NumBeams})");
        }

        return new HammingDiversityProcessor(penalty, options.NumBeams, groups);
    }
}
