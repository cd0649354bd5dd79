using Gpt2Kit.Decoding;
using Gpt2Kit.Hub;

namespace Gpt2Kit.ML.Generation;

/// <summary>The settings of <c>mlContext.Transforms.Text.GenerateText</c>.</summary>
/// <remarks>Mutable; not thread-safe while being changed. The estimator copies it.</remarks>
public sealed class GenerateTextOptions
{
    /// <summary>The column that receives the generated text (prompt not included). Default <c>GeneratedText</c>.</summary>
    public string OutputColumnName { get; set; } = "GeneratedText";

    /// <summary>The text column holding the prompts. Default <c>Prompt</c>.</summary>
    public string InputColumnName { get; set; } = "Prompt";

    /// <summary>The model: a folder or a Hugging Face name (see <see cref="Models.TextGeneratorRegistry"/>). A saved pipeline
    /// keeps this reference, not the weights. Default <c>gpt2</c>.</summary>
    public string Model { get; set; } = ModelLocation.DefaultModel;

    /// <summary>Generation options under their Hugging Face names (<c>max_new_tokens</c>, <c>do_sample</c>, …); null uses the
    /// generator's defaults (the model's <c>generation_config.json</c> over Hugging Face's). <c>num_return_sequences</c>
    /// must be 1: each row gets one text.</summary>
    public GenerationOptions? Generation { get; set; }

    /// <summary>Rows generated together while a cursor moves. Default 8.</summary>
    public int BatchSize { get; set; } = 8;

    /// <summary>When sampling with a seed, generate each row with its own seed (<see cref="RowSeeds.For"/>), so a row's
    /// sample never depends on the other rows of its batch; such rows run one request each. Turn it off to sample whole
    /// batches in one request (faster, but a row's sample then depends on its batch, as in Hugging Face). Default true.</summary>
    public bool SeedPerRow { get; set; } = true;

    /// <summary>When set, a float column with the number of generated tokens (an EOS token included).</summary>
    public string? TokenCountColumnName { get; set; }

    /// <summary>When set, a text column with why the row stopped (<see cref="FinishReason"/>'s name: <c>Length</c>,
    /// <c>EndOfSequence</c>, <c>StopString</c>, …).</summary>
    public string? FinishReasonColumnName { get; set; }

    /// <summary>When set, a float column with the sum of the raw log-probabilities of the generated tokens (the row's
    /// log-likelihood under the model, as <c>ScoreText</c> gives for the same tokens).</summary>
    public string? SequenceScoreColumnName { get; set; }

    internal GenerateTextOptions Copy()
    {
        var copy = (GenerateTextOptions)MemberwiseClone();
        copy.Generation = Generation?.Clone();
        return copy;
    }
}
