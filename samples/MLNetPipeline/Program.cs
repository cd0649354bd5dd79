// MLNetPipeline: generation and scoring as steps of an ML.NET pipeline. Each support ticket is scored by the language
// model (log-probability and perplexity), continued by it (GenerateText), and a classifier learns from the ticket's
// words, the continuation's words and the two scores. The fitted chain is saved, loaded back with its batching, and used
// through a prediction engine.
//   dotnet run --project samples/MLNetPipeline [-- MODEL]
using Gpt2Kit.Decoding;
using Gpt2Kit.ML.Generation;
using Gpt2Kit.ML.Scoring;
using Microsoft.ML;

string model = SampleModel.Resolve(args.FirstOrDefault());
var ml = new MLContext(seed: 0);
var data = ml.Data.LoadFromEnumerable(Ticket.Examples);
var split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 0);

var pipeline = ml.Transforms.Text.ScoreText(new ScoreTextOptions
    {
        OutputColumnName = "Logprob", InputColumnName = nameof(Ticket.Text), PerplexityColumnName = "Perplexity", Model = model,
    })
    .Append(ml.Transforms.Text.GenerateText(new GenerateTextOptions
    {
        OutputColumnName = "Continuation", InputColumnName = nameof(Ticket.Text), Model = model, BatchSize = 8,
        Generation = new GenerationOptions { MaxNewTokens = 12, DoSample = true, TopP = 0.9, Seed = 42 },
        TokenCountColumnName = "ContinuationTokens",
    }))
    // Trainers read the data many times: cache the generated columns so the model runs once per row.
    .AppendCacheCheckpoint(ml)
    .Append(ml.Transforms.Text.FeaturizeText("TicketWords", nameof(Ticket.Text)))
    .Append(ml.Transforms.Text.FeaturizeText("ContinuationWords", "Continuation"))
    .Append(ml.Transforms.Concatenate("Features", "TicketWords", "ContinuationWords", "Logprob", "Perplexity", "ContinuationTokens"))
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
var engine = ml.Model.CreatePredictionEngine<Ticket, Prediction>(loaded);
foreach (var ticket in Ticket.Examples.Take(4))
{
    var prediction = engine.Predict(ticket);
    Console.WriteLine($"{(prediction.PredictedLabel ? "urgent " : "routine")} p={prediction.Probability:F2}  logprob={prediction.Logprob,8:F2}  ppl={prediction.Perplexity,10:F1}  {ticket.Text}");
    Console.WriteLine($"         continuation: {prediction.Continuation.ReplaceLineEndings(" ")}");
}

File.Delete(path);

/// <summary>A support ticket: its text and whether it was urgent.</summary>
internal sealed class Ticket
{
    public string Text { get; set; } = "";

    public bool Label { get; set; }

    public static Ticket[] Examples { get; } =
    [
        new() { Text = "The production server is down and customers cannot log in.", Label = true },
        new() { Text = "Please update the logo on the about page when you have time.", Label = false },
        new() { Text = "Payments are failing for every order since the last deploy.", Label = true },
        new() { Text = "Could you add a dark theme to the settings screen?", Label = false },
        new() { Text = "Data loss: the nightly backup deleted the main database.", Label = true },
        new() { Text = "A typo in the footer says 'Copyrite'.", Label = false },
        new() { Text = "Security breach suspected, unknown admin accounts appeared.", Label = true },
        new() { Text = "The FAQ could mention the new pricing plans.", Label = false },
        new() { Text = "All API requests return 500 errors right now.", Label = true },
        new() { Text = "It would be nice to export reports as CSV.", Label = false },
        new() { Text = "The checkout page crashes on every mobile browser.", Label = true },
        new() { Text = "Minor: the tooltip on the help icon is cut off.", Label = false },
        new() { Text = "Emergency: the site shows another customer's invoices.", Label = true },
        new() { Text = "Suggestion: sort the project list by name.", Label = false },
        new() { Text = "Outage in the EU region, nothing loads at all.", Label = true },
        new() { Text = "The newsletter font looks slightly too small.", Label = false },
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
