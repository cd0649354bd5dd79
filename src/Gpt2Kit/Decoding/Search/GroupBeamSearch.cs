using System.Globalization;
using Gpt2Kit.Models;

namespace Gpt2Kit.Decoding.Search;

/// <summary>Diverse (group) beam search (Hugging Face <c>_group_beam_search</c>): the beams form <c>num_beam_groups</c>
/// groups that choose in turn at every step, each penalised by the Hamming diversity processor for the tokens earlier
/// groups chose; the best <c>num_return_sequences</c> of all groups' hypotheses are returned. Beam indices are global rows.</summary>
/// <remarks>Stateless; thread-safe. It does not stream: the observer is not called.</remarks>
internal sealed class GroupBeamSearch : ISearchStrategy
{
    public string Name => SearchStrategyNames.GroupBeam;

    public void Validate(ResolvedGenerationOptions options, ModelInfo model)
    {
        StrategyValidation.ValidateBeams(options);
        if (options.NumBeamGroups < 1 || options.NumBeams % options.NumBeamGroups != 0)
        {
            throw new GenerationConfigurationException("num_beam_groups", options.NumBeamGroups.ToString(CultureInfo.InvariantCulture),
                $"an integer >= 1 that divides num_beams ({options.NumBeams})");
        }

        if (options.DoSample)
        {
            throw new GenerationConfigurationException("do_sample", "true", "false: diverse (group) beam search cannot sample");
        }

        if (options.NumBeamGroups > 1 && !(options.DiversityPenalty > 0))
        {
            throw new GenerationConfigurationException("diversity_penalty", options.DiversityPenalty.ToString(CultureInfo.InvariantCulture),
                "a number > 0 with num_beam_groups > 1 (otherwise every group finds the same beams)");
        }
    }

    public GenerationResult Search(SearchContext context, CancellationToken cancellationToken) =>
        BeamSearchLoop.Run(context, groups: Math.Max(1, context.Options.NumBeamGroups), sample: false, cancellationToken);
}
