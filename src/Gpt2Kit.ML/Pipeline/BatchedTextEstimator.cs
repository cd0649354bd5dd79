using Gpt2Kit.Decoding;
using Gpt2Kit.ML.Models;
using Microsoft.ML;

namespace Gpt2Kit.ML.Pipeline;

/// <summary>The common part of the Gpt2Kit estimators: nothing is learned; <see cref="Fit"/> checks the input columns and
/// finds the generator (a model is loaded once per process, see <see cref="TextGeneratorRegistry"/>).</summary>
/// <typeparam name="TTransformer">The fitted step.</typeparam>
/// <remarks>Immutable; thread-safe.</remarks>
public abstract class BatchedTextEstimator<TTransformer> : IEstimator<TTransformer>
    where TTransformer : BatchedTextTransformer
{
    private readonly string _step;
    private readonly string _model;
    private readonly ITextGenerator? _generator;
    private readonly IReadOnlyList<string> _inputs;
    private readonly IReadOnlyList<OutputColumn> _outputs;

    private protected BatchedTextEstimator(string step, string model, ITextGenerator? generator, int batchSize, IReadOnlyList<string> inputs, IReadOnlyList<OutputColumn> outputs)
    {
        if (generator is null && string.IsNullOrWhiteSpace(model))
        {
            throw new ArgumentException($"{step}: the model (a folder or a Hugging Face name) is empty.", nameof(model));
        }

        if (batchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"{step}: the batch size must be at least 1.");
        }

        StepColumns.CheckNames(step, inputs, outputs);
        _step = step;
        _model = model;
        _generator = generator;
        _inputs = inputs;
        _outputs = outputs;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or does not hold text.</exception>
    /// <exception cref="InvalidOperationException">The model cannot be found or loaded; the message names it.</exception>
    public TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        StepColumns.FindInputs(_step, input.Schema, _inputs);
        var generator = _generator ?? TextGeneratorRegistry.Get(_model);
        string? reference = _generator is null ? _model : TextGeneratorRegistry.FindReference(_generator);
        return Create(generator, reference);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or does not hold text.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        StepColumns.CheckShape(_step, inputSchema, _inputs);
        return StepColumns.AddOutputs(inputSchema, _inputs[0], _outputs);
    }

    /// <summary>The fitted step over <paramref name="generator"/>; <paramref name="reference"/> is what a saved model names.</summary>
    private protected abstract TTransformer Create(ITextGenerator generator, string? reference);
}
