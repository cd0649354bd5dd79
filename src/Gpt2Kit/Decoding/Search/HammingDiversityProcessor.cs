using System.Globalization;

namespace Gpt2Kit.Decoding.Search;

/// <summary>Hugging Face <c>HammingDiversityLogitsProcessor</c> for group (diverse) beam search: while group <c>g</c> of a
/// prompt chooses its tokens, every token already chosen at this step by groups <c>0..g−1</c> of the same prompt loses
/// <c>diversity_penalty × (how many of them chose it)</c>.</summary>
/// <remarks>Belongs to one request; not thread-safe. It reads the group's state from the context
/// (<see cref="LogitsContext.GroupTokens"/>), so outside group beam search it changes nothing.</remarks>
internal sealed class HammingDiversityProcessor(double penalty) : ILogitsProcessor
{
    /// <summary>The processor's name in chains and reports.</summary>
    public const string ProcessorName = "hamming_diversity";

    public void Process(in LogitsContext context, Span<float> scores)
    {
        var earlier = context.GroupTokens;
        for (int k = 0; k < earlier.Length; k++)
        {
            int token = earlier[k];
            if (earlier[..k].Contains(token))
            {
                continue;
            }

            scores[token] -= (float)(penalty * earlier[k..].Count(token));
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
        double penalty = arguments.GetDouble(key, NumberRange.Above(0), context.Options.DiversityPenalty);
        return Create(penalty, context.Options);
    }

    /// <summary>The processor for a request's options (what the implicit group beam chain uses).</summary>
    public static HammingDiversityProcessor Create(double penalty, ResolvedGenerationOptions options)
    {
        int groups = Math.Max(1, options.NumBeamGroups);
        if (options.NumBeams % groups != 0)
        {
            throw new GenerationConfigurationException("num_beam_groups", groups.ToString(CultureInfo.InvariantCulture),
                $"a divisor of num_beams ({options.NumBeams})");
        }

        return new HammingDiversityProcessor(penalty);
    }
}
