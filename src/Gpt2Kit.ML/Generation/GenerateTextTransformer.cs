using Gpt2Kit.Decoding;
using Gpt2Kit.Decoding.Search;
using Gpt2Kit.ML.Models;
using Gpt2Kit.ML.Persistence;
using Gpt2Kit.ML.Pipeline;

namespace Gpt2Kit.ML.Generation;

/// <summary>Generates a text for each row's prompt with a Gpt2Kit <see cref="ITextGenerator"/>: the fitted form of
/// <c>mlContext.Transforms.Text.GenerateText</c>.</summary>
/// <remarks>
/// <para>Immutable; thread-safe. Rows are generated <see cref="BatchedTextTransformer.BatchSize"/> at a time as a cursor
/// moves, and one at a time in a prediction engine; either way a row's output is what the library gives for that prompt
/// alone (<c>GenerateAsync(GenerationRequest.FromText(prompt, options))</c>):</para>
/// <list type="bullet">
/// <item>Deterministic modes batch the prompts of a batch into one left-padded request. Padding is masked out, so a row's
/// tokens do not change; options whose Hugging Face meaning looks at the padded prompt (<c>max_length</c> without
/// <c>max_new_tokens</c>, <c>min_length</c>, repetition and n-gram rules, bad words, sequence bias, an explicit processor
/// chain, contrastive search or a plugin strategy) instead batch only prompts of the same token length.</item>
/// <item>Seeded sampling gives each row its own seed, <see cref="RowSeeds.For"/>(seed, prompt), and its own request, so a
/// row's sample depends on the seed and its prompt only (see <see cref="GenerateTextOptions.SeedPerRow"/>).</item>
/// </list>
/// <para>ML.NET trainers read their data many times: put <c>AppendCacheCheckpoint</c> after this step when a trainer
/// follows, or every pass generates again.</para>
/// </remarks>
public sealed class GenerateTextTransformer : BatchedTextTransformer
{
    internal const string Name = "GenerateText";

    private readonly GenerateTextOptions _options;
    private readonly OutputColumn[] _outputs;

    internal GenerateTextTransformer(GenerateTextOptions options, ITextGenerator generator, string? modelReference)
        : base(options.BatchSize, generator, modelReference)
    {
        _options = options.Copy();
        if (options.Generation is { NumReturnSequences: > 1 })
        {
            throw new GenerationConfigurationException("num_return_sequences",
                Convert.ToString(options.Generation.NumReturnSequences, System.Globalization.CultureInfo.InvariantCulture), "1: GenerateText gives each row one text");
        }

        _outputs = Outputs(options);
    }

    /// <summary>A copy of the settings.</summary>
    public GenerateTextOptions Options => _options.Copy();

    internal override string StepName => Name;

    /// <summary>The columns a step with <paramref name="options"/> adds; checks their names.</summary>
    internal static OutputColumn[] Outputs(GenerateTextOptions options)
    {
        var outputs = new List<OutputColumn> { OutputColumn.Text(options.OutputColumnName) };
        if (options.TokenCountColumnName is { } count)
        {
            outputs.Add(OutputColumn.Single(count));
        }

        if (options.FinishReasonColumnName is { } reason)
        {
            outputs.Add(OutputColumn.Text(reason));
        }

        if (options.SequenceScoreColumnName is { } score)
        {
            outputs.Add(OutputColumn.Single(score));
        }

        return [.. outputs];
    }

    internal override IReadOnlyList<string> InputColumns => [_options.InputColumnName];

    internal override IReadOnlyList<OutputColumn> OutputColumns => _outputs;

    internal override StepSettings Settings
    {
        get
        {
            var settings = NewSettings(SavedStep.Roles(
                ("text", _options.OutputColumnName), ("token_count", _options.TokenCountColumnName),
                ("finish_reason", _options.FinishReasonColumnName), ("sequence_score", _options.SequenceScoreColumnName)));
            settings.SeedPerRow = _options.SeedPerRow;
            settings.Generation = _options.Generation is null ? null : GenerationOptionsJson.Write(_options.Generation);
            return settings;
        }
    }

    /// <summary>Rebuilds a step from saved settings.</summary>
    internal static GenerateTextTransformer FromSettings(StepSettings settings)
    {
        var options = new GenerateTextOptions
        {
            Model = settings.Model,
            BatchSize = settings.BatchSize,
            InputColumnName = settings.InputColumn,
            SeedPerRow = settings.SeedPerRow,
            Generation = settings.Generation is null ? null : GenerationOptionsJson.Read(settings.Generation),
            OutputColumnName = settings.Outputs["text"],
            TokenCountColumnName = settings.Outputs.GetValueOrDefault("token_count"),
            FinishReasonColumnName = settings.Outputs.GetValueOrDefault("finish_reason"),
            SequenceScoreColumnName = settings.Outputs.GetValueOrDefault("sequence_score"),
        };
        return new GenerateTextTransformer(options, TextGeneratorRegistry.Get(settings.Model), settings.Model);
    }

    internal override object[][] Compute(IReadOnlyList<string[]> rows)
    {
        var prompts = rows.Select(r => r[0]).ToArray();
        var effective = _options.Generation ?? (Generator.GetService(typeof(TextGenerator)) as TextGenerator)?.DefaultOptions;
        var results = new object[prompts.Length][];
        foreach (var (indices, options) in Plan(prompts, effective))
        {
            var request = new GenerationRequest { Prompts = [.. indices.Select(i => prompts[i])], Options = options };
            var result = Generator.GenerateAsync(request).GetAwaiter().GetResult();
            for (int j = 0; j < indices.Length; j++)
            {
                results[indices[j]] = RowOutputs(result, j, options ?? effective);
            }
        }

        return results;
    }

    /// <summary>Which rows share a request, and with which options.</summary>
    private IEnumerable<(int[] Rows, GenerationOptions? Options)> Plan(string[] prompts, GenerationOptions? effective)
    {
        var all = Enumerable.Range(0, prompts.Length).ToArray();
        if (effective is null)
        {
            // An unknown generator's defaults: nothing is known about them, so every row runs alone.
            return all.Select(i => (new[] { i }, (GenerationOptions?)null));
        }

        if (IsSampling(effective) && effective.Seed is { } seed && _options.SeedPerRow)
        {
            return all.Select(i =>
            {
                var own = effective.Clone();
                own.Seed = RowSeeds.For(seed, prompts[i]);
                return (new[] { i }, (GenerationOptions?)own);
            });
        }

        if (prompts.Length == 1 || IsPaddingNeutral(effective))
        {
            return [(all, _options.Generation)];
        }

        var tokenizer = Generator.Tokenizer;
        return all.GroupBy(i => tokenizer.Encode(prompts[i]).Length).Select(g => (g.ToArray(), _options.Generation));
    }

    /// <summary>A row's outputs from a request's result.</summary>
    private object[] RowOutputs(GenerationResult result, int row, GenerationOptions? options)
    {
        var generated = result.Sequences[row].AsSpan(result.PromptLength);
        var reason = result.FinishReasons[row];
        int count = OwnTokenCount(generated, reason, options);
        var logprobs = result.TokenLogprobs[row];
        double score = 0;
        for (int t = 0; t < Math.Min(count, logprobs.Length); t++)
        {
            score += logprobs[t];
        }

        var values = new List<object> { result.Texts[row].AsMemory() };
        if (_options.TokenCountColumnName is not null)
        {
            values.Add((float)count);
        }

        if (_options.FinishReasonColumnName is not null)
        {
            values.Add(reason.ToString().AsMemory());
        }

        if (_options.SequenceScoreColumnName is not null)
        {
            values.Add((float)score);
        }

        return [.. values];
    }

    /// <summary>The row's own generated tokens: up to and including its EOS when it ended on one; when it ended early for
    /// another reason, up to the padding that fills it after its end; otherwise all of them.</summary>
    private int OwnTokenCount(ReadOnlySpan<int> generated, FinishReason reason, GenerationOptions? options)
    {
        var info = Generator.Model;
        IReadOnlyList<int> eos = options?.EosTokenId is { Count: > 0 } configured ? [.. configured] : info.EosTokenIds;
        int? pad = options?.PadTokenId ?? info.PadTokenId ?? (eos.Count > 0 ? eos[0] : null);
        for (int i = 0; i < generated.Length; i++)
        {
            if (reason == FinishReason.EndOfSequence && eos.Contains(generated[i]))
            {
                return i + 1;
            }

            if (reason is not (FinishReason.EndOfSequence or FinishReason.Length) && (generated[i] == pad || eos.Contains(generated[i])))
            {
                return i;
            }
        }

        return generated.Length;
    }

    private static bool IsSampling(GenerationOptions options) => options.Strategy is { } strategy
        ? strategy is SearchStrategyNames.Sample or SearchStrategyNames.BeamSample
        : options.DoSample == true;

    /// <summary>Whether left padding leaves every row's output as it is alone: no option whose Hugging Face meaning looks at
    /// the padded prompt or its width.</summary>
    private static bool IsPaddingNeutral(GenerationOptions o) =>
        o.MaxNewTokens is not null
        && (int?)o.MinLength is null or 0
        && (double?)o.RepetitionPenalty is null or 1.0
        && (double?)o.EncoderRepetitionPenalty is null or 1.0
        && (int?)o.NoRepeatNgramSize is null or 0
        && (int?)o.EncoderNoRepeatNgramSize is null or 0
        && o.BadWordsIds is null or { Count: 0 }
        && o.SequenceBias is null or { Count: 0 }
        && o.ForcedBosTokenId is null
        && o.PenaltyAlpha is null or 0
        && o.Processors is null
        && o.Strategy is null or SearchStrategyNames.Greedy or SearchStrategyNames.Sample or SearchStrategyNames.Beam
            or SearchStrategyNames.BeamSample or SearchStrategyNames.GroupBeam;
}
