using Gpt2Kit.Decoding;
using Gpt2Kit.ML.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Gpt2Kit.ML.Pipeline;

/// <summary>The common part of the Gpt2Kit transformers: one or two text input columns, outputs added after the input
/// columns, computed for <see cref="BatchSize"/> rows at a time while a cursor moves (lazily: nothing runs until an output
/// value is read), and one row at a time in a prediction engine.</summary>
/// <remarks>Immutable; thread-safe: any number of cursors and prediction engines may use one transformer at once (the
/// generator is shared and thread-safe; each cursor holds its own batch).</remarks>
public abstract class BatchedTextTransformer : ITransformer
{
    private protected BatchedTextTransformer(int batchSize, ITextGenerator generator, string? modelReference)
    {
        Generator = generator ?? throw new ArgumentNullException(nameof(generator));
        ModelReference = modelReference;
        if (batchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
        }

        BatchSize = batchSize;
    }

    /// <summary>The generator whose model computes the rows.</summary>
    public ITextGenerator Generator { get; }

    /// <summary>The folder or Hugging Face name (or registered name) a saved model refers to; null for a generator instance
    /// that is not registered (such a step cannot be saved).</summary>
    public string? ModelReference { get; }

    /// <summary>Rows computed together while a cursor moves (a prediction engine always computes one).</summary>
    public int BatchSize { get; }

    /// <summary>Always true: the transformer maps rows, so prediction engines work.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The step's name in messages (<c>GenerateText</c>).</summary>
    internal abstract string StepName { get; }

    /// <summary>The text columns read, in the order <see cref="Compute"/> receives them.</summary>
    internal abstract IReadOnlyList<string> InputColumns { get; }

    /// <summary>The columns added.</summary>
    internal abstract IReadOnlyList<OutputColumn> OutputColumns { get; }

    /// <summary>What a saved model keeps of this step.</summary>
    internal abstract StepSettings Settings { get; }

    /// <summary>Settings with what every step keeps (step, model reference, batch size, first input) filled in.</summary>
    /// <exception cref="InvalidOperationException">The step has no model reference to save.</exception>
    private protected StepSettings NewSettings(Dictionary<string, string> outputs) => new()
    {
        Step = StepName,
        Model = SavedStep.RequireReference(StepName, ModelReference),
        BatchSize = BatchSize,
        InputColumn = InputColumns[0],
        Outputs = outputs,
    };

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or does not hold text.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        StepColumns.FindInputs(StepName, inputSchema, InputColumns);
        return StepColumns.AddOutputs(inputSchema, OutputColumns);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or does not hold text.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BatchedDataView(input, this);
    }

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new SingleRowMapper(inputSchema, this);
    }

    /// <summary>Saves the step as stock ML.NET transforms that carry its settings (see <see cref="SavedStep"/>).</summary>
    /// <exception cref="InvalidOperationException">The step was built over a generator instance that is not registered
    /// under a name, so a loaded model could not find it again.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) => SavedStep.Save(this, ctx);

    /// <summary>Computes the outputs of several rows.</summary>
    /// <param name="rows">Per row, the values of <see cref="InputColumns"/>.</param>
    /// <returns>Per row, one value per <see cref="OutputColumns"/>: <see cref="ReadOnlyMemory{T}"/> of char for text,
    /// <see cref="float"/> for numbers.</returns>
    internal abstract object[][] Compute(IReadOnlyList<string[]> rows);
}
