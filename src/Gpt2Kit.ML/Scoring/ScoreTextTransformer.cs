using Gpt2Kit.Decoding;
using Gpt2Kit.ML.Models;
using Gpt2Kit.ML.Persistence;
using Gpt2Kit.ML.Pipeline;
using Gpt2Kit.Models;

namespace Gpt2Kit.ML.Scoring;

/// <summary>Scores each row's text under a Gpt2Kit model — its log-probability and, optionally, perplexity and token count,
/// as float features — alone or as the continuation of a prompt column: the fitted form of
/// <c>mlContext.Transforms.Text.ScoreText</c>.</summary>
/// <remarks>Immutable; thread-safe. A row's values are what <see cref="ITextGenerator.ScoreAsync(int[], int[], CancellationToken)"/> gives for
/// <c>(Encode(prompt), Encode(text))</c>: a prediction engine, and a cursor with a batch size of 1 (the
/// default, see <see cref="ScoreTextOptions.BatchSize"/>), call it row by row; a larger batch is scored in one left-padded
/// model session (equal to 1e-4, the float rounding of a padded batch) when the generator exposes its
/// <see cref="ICausalLanguageModel"/>.</remarks>
public sealed class ScoreTextTransformer : BatchedTextTransformer
{
    internal const string Name = "ScoreText";

    private readonly ScoreTextOptions _options;
    private readonly OutputColumn[] _outputs;

    internal ScoreTextTransformer(ScoreTextOptions options, ITextGenerator generator, string? modelReference)
        : base(options.BatchSize, generator, modelReference)
    {
        _options = options.Copy();
        _outputs = Outputs(options);
    }

    /// <summary>A copy of the settings.</summary>
    public ScoreTextOptions Options => _options.Copy();

    internal override string StepName => Name;

    internal override IReadOnlyList<string> InputColumns => Inputs(_options);

    internal override IReadOnlyList<OutputColumn> OutputColumns => _outputs;

    internal override StepSettings Settings
    {
        get
        {
            var settings = NewSettings(SavedStep.Roles(
                ("log_probability", _options.OutputColumnName), ("perplexity", _options.PerplexityColumnName), ("token_count", _options.TokenCountColumnName)));
            settings.PromptColumn = _options.PromptColumnName;
            return settings;
        }
    }

    internal static IReadOnlyList<string> Inputs(ScoreTextOptions options) =>
        options.PromptColumnName is { } prompt ? [options.InputColumnName, prompt] : [options.InputColumnName];

    /// <summary>The columns a step with <paramref name="options"/> adds.</summary>
    internal static OutputColumn[] Outputs(ScoreTextOptions options)
    {
        var outputs = new List<OutputColumn> { OutputColumn.Single(options.OutputColumnName) };
        if (options.PerplexityColumnName is { } perplexity)
        {
            outputs.Add(OutputColumn.Single(perplexity));
        }

        if (options.TokenCountColumnName is { } count)
        {
            outputs.Add(OutputColumn.Single(count));
        }

        return [.. outputs];
    }

    /// <summary>Rebuilds a step from saved settings.</summary>
    internal static ScoreTextTransformer FromSettings(StepSettings settings)
    {
        var options = new ScoreTextOptions
        {
            Model = settings.Model,
            BatchSize = settings.BatchSize,
            InputColumnName = settings.InputColumn,
            PromptColumnName = settings.PromptColumn,
            OutputColumnName = settings.Outputs["log_probability"],
            PerplexityColumnName = settings.Outputs.GetValueOrDefault("perplexity"),
            TokenCountColumnName = settings.Outputs.GetValueOrDefault("token_count"),
        };
        return new ScoreTextTransformer(options, TextGeneratorRegistry.Get(settings.Model), settings.Model);
    }

    internal override object[][] Compute(IReadOnlyList<string[]> rows)
    {
        var tokenizer = Generator.Tokenizer;
        var encoded = rows.Select(r => (Prompt: r.Length > 1 ? tokenizer.Encode(r[1]) : [], Continuation: tokenizer.Encode(r[0]))).ToArray();
        var model = rows.Count > 1 ? Generator.GetService(typeof(ICausalLanguageModel)) as ICausalLanguageModel : null;
        var scores = model is null
            ? encoded.Select(e => Generator.ScoreAsync(e.Prompt, e.Continuation).GetAwaiter().GetResult()).ToArray()
            : BatchScorer.Score(Generator, model, encoded);
        return [.. scores.Select(RowOutputs)];
    }

    private object[] RowOutputs(ScoreResult score)
    {
        int tokens = score.TokenLogprobs.Length;
        var values = new List<object> { (float)score.SumLogprob };
        if (_options.PerplexityColumnName is not null)
        {
            values.Add(tokens == 0 ? float.NaN : (float)Math.Exp(-score.SumLogprob / tokens));
        }

        if (_options.TokenCountColumnName is not null)
        {
            values.Add((float)tokens);
        }

        return [.. values];
    }
}
