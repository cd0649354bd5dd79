using Gpt2Kit.Hub;

namespace Gpt2Kit.ML.Scoring;

/// <summary>The settings of <c>mlContext.Transforms.Text.ScoreText</c>.</summary>
/// <remarks>Mutable; not thread-safe while being changed. The estimator copies it.</remarks>
public sealed class ScoreTextOptions
{
    /// <summary>The float column that receives the log-probability of the text (the sum over its tokens of the raw
    /// log-softmax). Default <c>LogProbability</c>.</summary>
    public string OutputColumnName { get; set; } = "LogProbability";

    /// <summary>The text column to score. Default <c>Text</c>.</summary>
    public string InputColumnName { get; set; } = "Text";

    /// <summary>When set, a text column with a prompt for each row: the text is then scored as its continuation. Without
    /// one (or for an empty prompt) the text is scored after the model's BOS token, as <c>ScoreAsync([], ids)</c> does.</summary>
    public string? PromptColumnName { get; set; }

    /// <summary>The model: a folder or a Hugging Face name. A saved pipeline keeps this reference, not the weights.</summary>
    public string Model { get; set; } = ModelLocation.DefaultModel;

    /// <summary>Rows scored together (in one left-padded model session) while a cursor moves. Default 1: on the managed
    /// CPU backend, scoring one row already runs all its positions as one matrix pass, and padded batches measured
    /// 0.84–0.88× the rows/s of single rows (bench/Gpt2Kit.ML.Bench); batches pay off on backends bound by per-call
    /// overhead.</summary>
    public int BatchSize { get; set; } = 1;

    /// <summary>When set, a float column with the perplexity <c>exp(−logprob / tokens)</c> (NaN for an empty text).</summary>
    public string? PerplexityColumnName { get; set; }

    /// <summary>When set, a float column with the number of tokens scored.</summary>
    public string? TokenCountColumnName { get; set; }

    internal ScoreTextOptions Copy() => (ScoreTextOptions)MemberwiseClone();
}
