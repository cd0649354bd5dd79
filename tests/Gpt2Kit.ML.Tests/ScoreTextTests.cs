using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.ML.Scoring;
using Gpt2Kit.Testing;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Gpt2Kit.ML.Tests;

/// <summary>ScoreText gives each row the library's score of its text (after its prompt), batched or not.</summary>
public sealed class ScoreTextTests
{
    private static ScoreTextOptions Options(string? promptColumn, int batchSize) => new()
    {
        OutputColumnName = "Logprob",
        InputColumnName = "Text",
        PromptColumnName = promptColumn,
        Model = TinyModel.Folder,
        BatchSize = batchSize,
        PerplexityColumnName = "Perplexity",
        TokenCountColumnName = "Tokens",
    };

    [Fact]
    public void Batched_scores_of_the_fixture_continuations_match_the_reference()
    {
        var tokenizer = Gpt2Tokenizer.Default;
        var cases = FixtureCases.Score.Where(c => c.Checkpoint == "gpt2-tiny").ToArray();
        cases.Should().NotBeEmpty();
        var rows = cases.Select(c => new ScoredRow { Prompt = tokenizer.Decode(c.InputIds), Text = tokenizer.Decode(c.Continuation) }).ToArray();
        foreach (var (row, c) in rows.Zip(cases))
        {
            tokenizer.Encode(row.Prompt).Should().Equal(c.InputIds, "the texts stand for the fixture's ids");
            tokenizer.Encode(row.Text).Should().Equal(c.Continuation);
        }

        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows.Concat(rows).ToArray());
        var output = ml.Transforms.Text.ScoreText(Options("Prompt", batchSize: 4)).Fit(data).Transform(data);
        var logprobs = output.GetColumn<float>("Logprob").ToArray();
        for (int i = 0; i < logprobs.Length; i++)
        {
            logprobs[i].Should().BeApproximately((float)cases[i % cases.Length].Logprob, 1e-4f, $"row {i}");
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Prompt")]
    public async Task Batched_and_single_rows_equal_the_library_score(string? promptColumn)
    {
        var rows = new[]
        {
            new ScoredRow { Prompt = "The capital of France is", Text = " Paris." },
            new ScoredRow { Prompt = "", Text = "Once upon a time there was a fox." },
            new ScoredRow { Prompt = "A", Text = " long long ago" },
            new ScoredRow { Prompt = "Hello", Text = "" },
            new ScoredRow { Prompt = "Hello, my name is", Text = " Bob and I like" },
        };
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Text.ScoreText(Options(promptColumn, batchSize: 3)).Fit(data);
        var output = model.Transform(data);
        var logprobs = output.GetColumn<float>("Logprob").ToArray();
        var perplexities = output.GetColumn<float>("Perplexity").ToArray();
        var tokens = output.GetColumn<float>("Tokens").ToArray();
        var engine = ml.Model.CreatePredictionEngine<ScoredRow, Scored>(model);
        var tokenizer = TinyModel.Generator.Tokenizer;
        for (int i = 0; i < rows.Length; i++)
        {
            int[] prompt = promptColumn is null ? [] : tokenizer.Encode(rows[i].Prompt);
            var expected = await TinyModel.Generator.ScoreAsync(prompt, tokenizer.Encode(rows[i].Text));
            logprobs[i].Should().BeApproximately((float)expected.SumLogprob, 1e-4f, $"row {i}");
            tokens[i].Should().Be(expected.TokenLogprobs.Length);
            if (expected.TokenLogprobs.Length == 0)
            {
                perplexities[i].Should().Be(float.NaN, "an empty text has no perplexity");
            }
            else
            {
                perplexities[i].Should().BeApproximately((float)Math.Exp(-expected.SumLogprob / expected.TokenLogprobs.Length), perplexities[i] * 1e-4f);
            }

            var single = engine.Predict(rows[i]);
            single.Logprob.Should().Be((float)expected.SumLogprob, "one row is scored by the library itself");
        }
    }

    [Fact]
    public void A_missing_prompt_column_is_reported()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TinyModel.Rows("x"));
        ml.Transforms.Text.ScoreText("Score", "Prompt", promptColumnName: "Context", model: TinyModel.Folder).Invoking(e => e.Fit(data))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*ScoreText*'Context'*not found*");
    }

    public sealed class ScoredRow
    {
        public string Prompt { get; set; } = "";

        public string Text { get; set; } = "";
    }

    public sealed class Scored
    {
        public float Logprob { get; set; }
    }
}
