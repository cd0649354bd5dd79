using Gpt2Kit.Decoding;
using Gpt2Kit.ML.Pipeline;

namespace Gpt2Kit.ML.Scoring;

/// <summary>The estimator of <c>mlContext.Transforms.Text.ScoreText</c>.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed class ScoreTextEstimator : BatchedTextEstimator<ScoreTextTransformer>
{
    private readonly ScoreTextOptions _options;

    internal ScoreTextEstimator(ScoreTextOptions options, ITextGenerator? generator)
        : base(ScoreTextTransformer.Name, options.Model, generator, options.BatchSize, ScoreTextTransformer.Inputs(options), ScoreTextTransformer.Outputs(options)) =>
        _options = options.Copy();

    private protected override ScoreTextTransformer Create(ITextGenerator generator, string? reference) => new(_options, generator, reference);
}
