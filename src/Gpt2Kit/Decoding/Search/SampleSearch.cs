using Gpt2Kit.Models;

namespace Gpt2Kit.Decoding.Search;

/// <summary>Multinomial sampling (Hugging Face <c>_sample</c> with <c>do_sample=True</c>): each row draws its token from
/// <c>softmax</c> of the processed scores (warpers included) with the request's seeded <see cref="Random"/>; the prompt is
/// repeated <c>num_return_sequences</c> times.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal sealed class SampleSearch : ISearchStrategy
{
    public string Name => SearchStrategyNames.Sample;

    public void Validate(ResolvedGenerationOptions options, ModelInfo model) =>
        StrategyValidation.ValidateTemperature(options, otherwise: "greedy decoding");

    public GenerationResult Search(SearchContext context, CancellationToken cancellationToken) =>
        TokenByTokenLoop.Run(context, expand: context.Options.NumReturnSequences, new CheckedSampling(context.Model.Info.VocabSize), cancellationToken);
}
