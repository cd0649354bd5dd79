using Gpt2Kit.Decoding;
using Gpt2Kit.ML.Pipeline;

namespace Gpt2Kit.ML.Generation;

/// <summary>The estimator of <c>mlContext.Transforms.Text.GenerateText</c>.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed class GenerateTextEstimator : BatchedTextEstimator<GenerateTextTransformer>
{
    private readonly GenerateTextOptions _options;

    internal GenerateTextEstimator(GenerateTextOptions options, ITextGenerator? generator)
        : base(GenerateTextTransformer.Name, options.Model, generator, options.BatchSize, [options.InputColumnName], GenerateTextTransformer.Outputs(options)) =>
        _options = options.Copy();

    private protected override GenerateTextTransformer Create(ITextGenerator generator, string? reference) => new(_options, generator, reference);
}
