using Gpt2Kit.Decoding;
using Gpt2Kit.ML.Generation;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Gpt2Kit.ML.Tests;

/// <summary>GenerateText gives each row what the library gives for its prompt alone, in batches or one row at a time.</summary>
public sealed class GenerateTextTests
{
    private static GenerateTextOptions Options(GenerationOptions generation, int batchSize) => new()
    {
        OutputColumnName = "Generated",
        InputColumnName = "Prompt",
        Model = TinyModel.Folder,
        Generation = generation,
        BatchSize = batchSize,
        TokenCountColumnName = "Tokens",
        FinishReasonColumnName = "Finish",
        SequenceScoreColumnName = "Score",
    };

    public static TheoryData<string> Modes() => ["greedy", "repetition", "beam", "min_length"];

    private static GenerationOptions Mode(string mode) => mode switch
    {
        "greedy" => new GenerationOptions { MaxNewTokens = 6 },
        // Options whose meaning looks at the padded prompt: such rows are batched only with prompts of their length.
        "repetition" => new GenerationOptions { MaxNewTokens = 6, RepetitionPenalty = 1.3, NoRepeatNgramSize = 2 },
        "beam" => new GenerationOptions { MaxNewTokens = 5, NumBeams = 3 },
        "min_length" => new GenerationOptions { MaxLength = 14, MinLength = 12 },
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Batched_rows_equal_the_library_for_each_prompt_alone(string mode)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TinyModel.Rows(TinyModel.Prompts));
        var generation = Mode(mode);
        var output = ml.Transforms.Text.GenerateText(Options(generation, batchSize: 3)).Fit(data).Transform(data);

        var texts = output.GetColumn<string>("Generated").ToArray();
        var tokens = output.GetColumn<float>("Tokens").ToArray();
        var finish = output.GetColumn<string>("Finish").ToArray();
        var scores = output.GetColumn<float>("Score").ToArray();
        for (int i = 0; i < TinyModel.Prompts.Length; i++)
        {
            var alone = await TinyModel.Generator.GenerateAsync(GenerationRequest.FromText(TinyModel.Prompts[i], generation));
            int generated = alone.Sequences[0].Length - alone.PromptLength;
            texts[i].Should().Be(alone.Texts[0], $"row {i}");
            finish[i].Should().Be(alone.FinishReasons[0].ToString(), $"row {i}");
            tokens[i].Should().Be(generated, $"row {i}: a row alone has no padding after its end");
            scores[i].Should().BeApproximately(alone.TokenLogprobs[0].Take(generated).Sum(), 1e-4f, $"row {i}");
        }
    }

    [Fact]
    public void Rows_are_generated_in_batches_of_the_batch_size_and_only_when_read()
    {
        var ml = new MLContext(seed: 1);
        var counting = new CountingGenerator(TinyModel.Generator);
        var data = ml.Data.LoadFromEnumerable(TinyModel.Rows(TinyModel.Prompts));
        var options = Options(new GenerationOptions { MaxNewTokens = 3 }, batchSize: 2);
        var output = ml.Transforms.Text.GenerateText(options, counting).Fit(data).Transform(data);

        output.GetColumn<bool>("Label").ToArray().Should().HaveCount(5);
        counting.Requests.Should().Be(0, "nothing reads the generated columns");

        output.GetColumn<string>("Generated").ToArray().Should().HaveCount(5);
        counting.Requests.Should().Be(3, "5 rows in batches of 2");
        counting.Prompts.Should().Be(5);
    }

    [Fact]
    public async Task Seeded_sampling_gives_a_row_the_same_text_whatever_batch_it_falls_into()
    {
        var generation = new GenerationOptions { MaxNewTokens = 8, DoSample = true, TopK = 0, Seed = 42 };
        var prompts = TinyModel.Prompts.Concat(TinyModel.Prompts.Take(2)).ToArray();
        var byBatchSize = new List<string[]>();
        foreach (int batchSize in new[] { 1, 2, 5 })
        {
            var ml = new MLContext(seed: batchSize);
            var data = ml.Data.LoadFromEnumerable(TinyModel.Rows(prompts));
            var output = ml.Transforms.Text.GenerateText(Options(generation, batchSize)).Fit(data).Transform(data);
            byBatchSize.Add(output.GetColumn<string>("Generated").ToArray());
        }

        byBatchSize[1].Should().Equal(byBatchSize[0]);
        byBatchSize[2].Should().Equal(byBatchSize[0]);
        for (int i = 0; i < prompts.Length; i++)
        {
            var own = generation.Clone();
            own.Seed = RowSeeds.For(42, prompts[i]);
            var alone = await TinyModel.Generator.GenerateAsync(GenerationRequest.FromText(prompts[i], own));
            byBatchSize[0][i].Should().Be(alone.Texts[0], $"row {i} is sampled with its own seed");
        }

        byBatchSize[0].Distinct().Should().HaveCountGreaterThan(1, "different prompts get different seeds");
        byBatchSize[0][5].Should().Be(byBatchSize[0][0], "the same prompt gets the same seed");
    }

    [Fact]
    public async Task A_prediction_engine_generates_one_row_as_the_library_does()
    {
        var ml = new MLContext(seed: 1);
        var generation = new GenerationOptions { MaxNewTokens = 5 };
        var data = ml.Data.LoadFromEnumerable(TinyModel.Rows(TinyModel.Prompts));
        var model = ml.Transforms.Text.GenerateText(Options(generation, batchSize: 4)).Fit(data);
        var engine = ml.Model.CreatePredictionEngine<PromptRow, Generated>(model);
        foreach (var prompt in TinyModel.Prompts.Take(3))
        {
            var alone = await TinyModel.Generator.GenerateAsync(GenerationRequest.FromText(prompt, generation));
            var predicted = engine.Predict(new PromptRow { Prompt = prompt });
            predicted.Text.Should().Be(alone.Texts[0]);
            predicted.Tokens.Should().Be(alone.Sequences[0].Length - alone.PromptLength);
        }
    }

    [Fact]
    public void Schema_errors_name_the_column_at_fit_and_at_get_output_schema()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TinyModel.Rows("x"));
        var missing = ml.Transforms.Text.GenerateText("Out", "Question", TinyModel.Folder);
        missing.Invoking(e => e.Fit(data)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*GenerateText*'Question'*not found*'Prompt'*");
        missing.Invoking(e => e.GetOutputSchema(TinyModel.Shape<PromptRow>())).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*'Question'*not found*");

        var wrongType = ml.Transforms.Text.GenerateText("Out", "Label", TinyModel.Folder);
        wrongType.Invoking(e => e.Fit(data)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*'Label'*expected String*Boolean*");
        wrongType.Invoking(e => e.GetOutputSchema(TinyModel.Shape<PromptRow>())).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*'Label'*expected String*");

        var fitted = ml.Transforms.Text.GenerateText("Out", "Prompt", TinyModel.Folder).Fit(data);
        var other = ml.Data.LoadFromEnumerable(new[] { new { Text = "y" } });
        fitted.Invoking(t => t.GetOutputSchema(other.Schema)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*'Prompt'*not found*'Text'*");
        fitted.Invoking(t => t.Transform(other)).Should().Throw<ArgumentOutOfRangeException>();

        ml.Invoking(m => m.Transforms.Text.GenerateText("Prompt", "Prompt", TinyModel.Folder)).Should().Throw<ArgumentException>().WithMessage("*'Prompt'*input*");
        ml.Invoking(m => m.Transforms.Text.GenerateText(new GenerateTextOptions { OutputColumnName = "A", TokenCountColumnName = "A" }))
            .Should().Throw<ArgumentException>().WithMessage("*two output columns are named 'A'*");
    }

    [Fact]
    public void The_estimator_describes_the_columns_it_adds()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TinyModel.Rows("x"));
        var shape = ml.Transforms.Text.GenerateText(Options(new GenerationOptions(), 2)).GetOutputSchema(TinyModel.Shape<PromptRow>());
        var fitted = ml.Transforms.Text.GenerateText(Options(new GenerationOptions(), 2)).Fit(data).GetOutputSchema(data.Schema);
        foreach (var name in new[] { "Generated", "Tokens", "Finish", "Score" })
        {
            var column = shape.Single(c => c.Name == name);
            column.ItemType.Should().Be(fitted[name].Type, name);
            column.Kind.Should().Be(SchemaShape.Column.VectorKind.Scalar);
        }
    }

    [Fact]
    public void A_model_that_cannot_be_found_fails_at_fit_naming_it()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TinyModel.Rows("x"));
        string folder = Path.Combine(Path.GetTempPath(), "gpt2kit-no-such-model", "nowhere");
        ml.Transforms.Text.GenerateText("Out", "Prompt", folder).Invoking(e => e.Fit(data))
            .Should().Throw<InvalidOperationException>().WithMessage($"*{folder}*not by its weights*");
    }

    [Fact]
    public void More_than_one_return_sequence_per_row_is_refused()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TinyModel.Rows("x"));
        ml.Transforms.Text.GenerateText(Options(new GenerationOptions { NumReturnSequences = 2, NumBeams = 2 }, 2)).Invoking(e => e.Fit(data))
            .Should().Throw<GenerationConfigurationException>().WithMessage("*num_return_sequences*");
    }

    public sealed class Generated
    {
        [ColumnName("Generated")] public string Text { get; set; } = "";

        public float Tokens { get; set; }
    }
}
