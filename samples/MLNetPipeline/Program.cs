// MLNetPipeline: generation and scoring as steps of an ML.NET pipeline. Each story sentence is scored by the language
// model (log-probability and perplexity), continued by it (GenerateText), and a classifier learns whether the sentence is
// happy from its words, the continuation's words and the two scores. The fitted chain is saved, loaded back with its
// batching, and used through a prediction engine.
//   dotnet run --project samples/MLNetPipeline [-- MODEL]
using Gpt2Kit.Decoding;
using Gpt2Kit.ML.Generation;
using Gpt2Kit.ML.Scoring;
using Microsoft.ML;

// The pipeline names the model (demo, gpt2 or a folder); a saved pipeline keeps that name, not the weights.
string model = args.FirstOrDefault() ?? SampleModel.DefaultName();
SampleModel.Resolve(model);
var ml = new MLContext(seed: 0);
var data = ml.Data.LoadFromEnumerable(Sentence.Examples);
var split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 0);

var pipeline = ml.Transforms.Text.ScoreText(new ScoreTextOptions
    {
        OutputColumnName = "Logprob", InputColumnName = nameof(Sentence.Text), PerplexityColumnName = "Perplexity", Model = model,
    })
    .Append(ml.Transforms.Text.GenerateText(new GenerateTextOptions
    {
        OutputColumnName = "Continuation", InputColumnName = nameof(Sentence.Text), Model = model, BatchSize = 8,
        Generation = new GenerationOptions { MaxNewTokens = 12, DoSample = true, TopP = 0.9, Seed = 42 },
        TokenCountColumnName = "ContinuationTokens",
    }))
    // Trainers read the data many times: cache the generated columns so the model runs once per row.
    .AppendCacheCheckpoint(ml)
    .Append(ml.Transforms.Text.FeaturizeText("SentenceWords", nameof(Sentence.Text)))
    .Append(ml.Transforms.Text.FeaturizeText("ContinuationWords", "Continuation"))
    .Append(ml.Transforms.Concatenate("Features", "SentenceWords", "ContinuationWords", "Logprob", "Perplexity", "ContinuationTokens"))
    .Append(ml.Transforms.NormalizeMinMax("Features"))
    .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(l2Regularization: 1e-4f, maximumNumberOfIterations: 100));

var fitted = pipeline.Fit(split.TrainSet);
var metrics = ml.BinaryClassification.Evaluate(fitted.Transform(split.TestSet));
Console.WriteLine($"model: {model}");
Console.WriteLine($"test accuracy {metrics.Accuracy:P0}, AUC {metrics.AreaUnderRocCurve:F2}, log-loss {metrics.LogLoss:F3}");

// The saved file keeps the model's folder or Hugging Face name and the settings, not the weights.
string path = Path.Combine(Path.GetTempPath(), "gpt2kit-mlnet-pipeline.zip");
ml.Model.Save(fitted, data.Schema, path);
var loaded = ml.Model.LoadWithBatching(path, out _);
var engine = ml.Model.CreatePredictionEngine<Sentence, Prediction>(loaded);
foreach (var sentence in Sentence.Examples.Take(4))
{
    var prediction = engine.Predict(sentence);
    Console.WriteLine($"{(prediction.PredictedLabel ? "happy" : "sad  ")} p={prediction.Probability:F2}  logprob={prediction.Logprob,8:F2}  ppl={prediction.Perplexity,10:F1}  {sentence.Text}");
    Console.WriteLine($"         continuation: {prediction.Continuation.ReplaceLineEndings(" ")}");
}

File.Delete(path);

/// <summary>A sentence of a story, and whether it is a happy one.</summary>
internal sealed class Sentence
{
    public string Text { get; set; } = "";

    public bool Label { get; set; }

    public static Sentence[] Examples { get; } =
    [
        new() { Text = "Lily found a shiny red ball and laughed with joy.", Label = true },
        new() { Text = "Tom lost his little dog in the rain and cried.", Label = false },
        new() { Text = "The sun came out and the children played in the park.", Label = true },
        new() { Text = "The bird broke its wing and could not fly home.", Label = false },
        new() { Text = "Mom baked a big cake and everyone smiled.", Label = true },
        new() { Text = "Ben dropped his ice cream and felt very sad.", Label = false },
        new() { Text = "The cat and the dog became best friends.", Label = true },
        new() { Text = "The old tree fell down and the squirrel had no home.", Label = false },
        new() { Text = "Sara won the race and gave her friend a hug.", Label = true },
        new() { Text = "The toy car was broken and Max was upset.", Label = false },
        new() { Text = "They sang happy songs under the bright stars.", Label = true },
        new() { Text = "Anna was alone and scared in the dark room.", Label = false },
        new() { Text = "The little boat sailed home safe and sound.", Label = true },
        new() { Text = "The flowers died because nobody gave them water.", Label = false },
        new() { Text = "Grandpa told a funny story and they all laughed.", Label = true },
        new() { Text = "Tim was angry because his friend took his toy.", Label = false },
    ];
}

/// <summary>What the prediction engine reads back.</summary>
internal sealed class Prediction
{
    public bool PredictedLabel { get; set; }

    public float Probability { get; set; }

    public float Logprob { get; set; }

    public float Perplexity { get; set; }

    public string Continuation { get; set; } = "";
}
