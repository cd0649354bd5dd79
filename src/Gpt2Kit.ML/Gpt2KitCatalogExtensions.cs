using Gpt2Kit.Decoding;
using Gpt2Kit.Hub;
using Gpt2Kit.ML.Generation;
using Gpt2Kit.ML.Persistence;
using Gpt2Kit.ML.Scoring;

namespace Microsoft.ML;

/// <summary>Gpt2Kit's steps in ML.NET catalogs: <c>mlContext.Transforms.Text.GenerateText</c> and <c>ScoreText</c>, and
/// <c>mlContext.Model.LoadWithBatching</c> for pipelines saved with them.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public static class Gpt2KitCatalogExtensions
{
    /// <summary>Generates a text for each prompt of <paramref name="inputColumnName"/> into <paramref name="outputColumnName"/>.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">The text column that receives the generated text.</param>
    /// <param name="inputColumnName">The text column of prompts.</param>
    /// <param name="model">A model folder or Hugging Face name (what a saved pipeline refers to).</param>
    /// <param name="generation">Options under their Hugging Face names; null for the model's defaults.</param>
    /// <param name="batchSize">Rows generated together while a cursor moves.</param>
    public static GenerateTextEstimator GenerateText(this TransformsCatalog.TextTransforms catalog, string outputColumnName, string inputColumnName,
        string model = ModelLocation.DefaultModel, GenerationOptions? generation = null, int batchSize = 8) =>
        catalog.GenerateText(new GenerateTextOptions
        {
            OutputColumnName = outputColumnName, InputColumnName = inputColumnName, Model = model, Generation = generation, BatchSize = batchSize,
        });

    /// <summary>Generates with a generator you built (any backend). To save such a pipeline, register the generator under a
    /// name first (<see cref="Gpt2Kit.ML.Models.TextGeneratorRegistry.Register"/>); the saved model then refers to that name.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">The text column that receives the generated text.</param>
    /// <param name="inputColumnName">The text column of prompts.</param>
    /// <param name="generator">The generator.</param>
    /// <param name="generation">Options under their Hugging Face names; null for the generator's defaults.</param>
    /// <param name="batchSize">Rows generated together while a cursor moves.</param>
    public static GenerateTextEstimator GenerateText(this TransformsCatalog.TextTransforms catalog, string outputColumnName, string inputColumnName,
        ITextGenerator generator, GenerationOptions? generation = null, int batchSize = 8)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return catalog.GenerateText(
            new GenerateTextOptions { OutputColumnName = outputColumnName, InputColumnName = inputColumnName, Generation = generation, BatchSize = batchSize },
            generator);
    }

    /// <summary>Generates with every setting given (extra output columns, per-row seeds).</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="options">The settings (copied).</param>
    /// <param name="generator">A generator to use instead of loading <see cref="GenerateTextOptions.Model"/>.</param>
    /// <exception cref="ArgumentException">Two columns share a name, or an output has the input's name.</exception>
    public static GenerateTextEstimator GenerateText(this TransformsCatalog.TextTransforms catalog, GenerateTextOptions options, ITextGenerator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new GenerateTextEstimator(options, generator);
    }

    /// <summary>Scores each text of <paramref name="inputColumnName"/> (after the prompt in <paramref name="promptColumnName"/>,
    /// if given): its log-probability goes to <paramref name="outputColumnName"/> as a float feature.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">The float column that receives the log-probability.</param>
    /// <param name="inputColumnName">The text column to score.</param>
    /// <param name="promptColumnName">A text column of prompts the text continues, or null.</param>
    /// <param name="model">A model folder or Hugging Face name (what a saved pipeline refers to).</param>
    /// <param name="perplexityColumnName">When set, a float column with the perplexity.</param>
    /// <param name="batchSize">Rows scored together while a cursor moves (see <see cref="ScoreTextOptions.BatchSize"/> for why
    /// the default is 1).</param>
    public static ScoreTextEstimator ScoreText(this TransformsCatalog.TextTransforms catalog, string outputColumnName, string inputColumnName,
        string? promptColumnName = null, string model = ModelLocation.DefaultModel, string? perplexityColumnName = null, int batchSize = 1) =>
        catalog.ScoreText(new ScoreTextOptions
        {
            OutputColumnName = outputColumnName, InputColumnName = inputColumnName, PromptColumnName = promptColumnName, Model = model,
            PerplexityColumnName = perplexityColumnName, BatchSize = batchSize,
        });

    /// <summary>Scores with every setting given.</summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="options">The settings (copied).</param>
    /// <param name="generator">A generator to use instead of loading <see cref="ScoreTextOptions.Model"/>.</param>
    /// <exception cref="ArgumentException">Two columns share a name, or an output has an input's name.</exception>
    public static ScoreTextEstimator ScoreText(this TransformsCatalog.TextTransforms catalog, ScoreTextOptions options, ITextGenerator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new ScoreTextEstimator(options, generator);
    }

    /// <summary>Loads a model saved with <c>mlContext.Model.Save</c> that holds Gpt2Kit steps, and gives them back their
    /// batching. The steps find their model by the saved folder or Hugging Face name. The model is read through a context
    /// of its own that knows the Gpt2Kit steps (ML.NET does not expose a catalog's context), so the loaded stock transforms
    /// log to that context. A plain <c>Load</c> works too, once
    /// <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(GenerateTextTransformer).Assembly)</c> was called, but computes
    /// the Gpt2Kit steps one row at a time until <see cref="RestoreBatching"/> is applied.</summary>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="filePath">The .zip file.</param>
    /// <param name="inputSchema">The schema the model was saved with.</param>
    /// <exception cref="InvalidOperationException">A step's model cannot be found or loaded; the message names it.</exception>
    public static ITransformer LoadWithBatching(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        using var stream = File.OpenRead(filePath);
        return catalog.LoadWithBatching(stream, out inputSchema);
    }

    /// <summary>Loads a model from a stream, as <see cref="LoadWithBatching(ModelOperationsCatalog, string, out DataViewSchema)"/>.</summary>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="stream">The saved model.</param>
    /// <param name="inputSchema">The schema the model was saved with.</param>
    public static ITransformer LoadWithBatching(this ModelOperationsCatalog catalog, Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var context = new MLContext();
        context.ComponentCatalog.RegisterAssembly(typeof(TextStepMappingFactory).Assembly);
        return SavedStep.Restore(context.Model.Load(stream, out inputSchema));
    }

    /// <summary>Replaces the Gpt2Kit steps of a model loaded with a plain <c>Load</c> by their batched form.</summary>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="model">The loaded model.</param>
    /// <exception cref="InvalidOperationException">A step's model cannot be found or loaded; the message names it.</exception>
    public static ITransformer RestoreBatching(this ModelOperationsCatalog catalog, ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        return SavedStep.Restore(model);
    }
}
