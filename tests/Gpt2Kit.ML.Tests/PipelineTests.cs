using Gpt2Kit.Decoding;
using Gpt2Kit.ML.Generation;
using Gpt2Kit.ML.Scoring;
using Microsoft.ML;

namespace Gpt2Kit.ML.Tests;

/// <summary>The steps work with the rest of ML.NET: featurizers and trainers downstream, evaluation, prediction engines
/// and cache checkpoints.</summary>
public sealed class PipelineTests
{
    [Fact]
    public void Generated_text_and_scores_feed_a_trainer_that_is_evaluated_and_the_cache_keeps_generation_to_one_pass()
    {
        var ml = new MLContext(seed: 1);
        var prompts = Enumerable.Range(0, 12).Select(i => TinyModel.Prompts[i % TinyModel.Prompts.Length] + new string('!', i / 5)).ToArray();
        var data = ml.Data.LoadFromEnumerable(TinyModel.Rows(prompts));
        var counting = new CountingGenerator(TinyModel.Generator);
        var pipeline = ml.Transforms.Text.GenerateText(
                new GenerateTextOptions { OutputColumnName = "Generated", InputColumnName = "Prompt", Generation = new GenerationOptions { MaxNewTokens = 3 }, BatchSize = 4 },
                counting)
            .Append(ml.Transforms.Text.ScoreText(new ScoreTextOptions { OutputColumnName = "Logprob", InputColumnName = "Prompt", PerplexityColumnName = "Perplexity", Model = TinyModel.Folder }))
            .AppendCacheCheckpoint(ml)
            .Append(ml.Transforms.Text.FeaturizeText("TextFeatures", "Generated"))
            .Append(ml.Transforms.Concatenate("Features", "TextFeatures", "Logprob", "Perplexity"))
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(maximumNumberOfIterations: 20));

        var model = pipeline.Fit(data);
        counting.Prompts.Should().Be(prompts.Length, "the cache checkpoint makes the trainer's passes read generated rows from the cache");

        var metrics = ml.BinaryClassification.Evaluate(model.Transform(data));
        metrics.Accuracy.Should().BeInRange(0, 1);
        metrics.LogLoss.Should().BeGreaterThan(0);

        var engine = ml.Model.CreatePredictionEngine<PromptRow, Prediction>(model);
        var prediction = engine.Predict(new PromptRow { Prompt = TinyModel.Prompts[0] });
        prediction.Probability.Should().BeInRange(0, 1);
    }

    [Fact]
    public void Without_a_cache_checkpoint_every_trainer_pass_generates_again()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TinyModel.Rows(TinyModel.Prompts));
        var counting = new CountingGenerator(TinyModel.Generator);
        ml.Transforms.Text.GenerateText("Generated", "Prompt", counting, new GenerationOptions { MaxNewTokens = 2 }, batchSize: 5)
            .Append(ml.Transforms.Text.FeaturizeText("Features", "Generated"))
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(maximumNumberOfIterations: 3))
            .Fit(data);
        counting.Prompts.Should().BeGreaterThan(TinyModel.Prompts.Length, "this is why GenerateText's docs ask for AppendCacheCheckpoint");
    }

    public sealed class Prediction
    {
        public bool PredictedLabel { get; set; }

        public float Probability { get; set; }
    }
}
