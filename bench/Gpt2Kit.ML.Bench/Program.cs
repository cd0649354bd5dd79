// Rows per second of GenerateText and ScoreText by batch size, all measured in one run so the ratios compare.
//   dotnet run -c Release --project bench/Gpt2Kit.ML.Bench -- [--model DIR] [--rows N] [--tokens N] [--batches 1,4,8,16]
// Without --model it writes a random-weight checkpoint of GPT-2 124M's shape into a temp folder (about 500 MB).
using System.Diagnostics;
using System.Globalization;
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.ML.Generation;
using Gpt2Kit.ML.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;

string? model = Option("--model");
int rows = int.Parse(Option("--rows") ?? "32", CultureInfo.InvariantCulture);
int tokens = int.Parse(Option("--tokens") ?? "16", CultureInfo.InvariantCulture);
int[] batches = [.. (Option("--batches") ?? "1,4,8,16,32").Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture))];
string? temp = null;
if (model is null)
{
    temp = Path.Combine(Path.GetTempPath(), "gpt2kit-ml-bench-" + Environment.ProcessId);
    Console.Error.WriteLine($"writing a random GPT-2 124M-shape checkpoint to {temp} …");
    Gpt2RandomCheckpoint.Write(temp, Gpt2Config.FromPreset("gpt2"));
    model = temp;
}

try
{
    var ml = new MLContext(seed: 0);
    string[] words = ["the", "model", "reads", "a", "long", "story", "about", "rivers", "and", "old", "maps", "of", "cities"];
    var random = new Random(1);
    var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows)
        .Select(_ => new Row { Text = string.Join(' ', Enumerable.Range(0, random.Next(8, 24)).Select(_ => words[random.Next(words.Length)])) })
        .ToArray());

    Console.WriteLine($"model {model}, {rows} rows, {tokens} new tokens per row (greedy), {Environment.ProcessorCount} cores");
    Console.WriteLine("step          batch   rows/s   vs batch 1");
    Measure("GenerateText", b => ml.Transforms.Text.GenerateText(new GenerateTextOptions
    {
        OutputColumnName = "Out", InputColumnName = "Text", Model = model, BatchSize = b, Generation = new GenerationOptions { MaxNewTokens = tokens },
    }), "Out", isText: true);
    Measure("ScoreText", b => ml.Transforms.Text.ScoreText(new ScoreTextOptions
    {
        OutputColumnName = "Out", InputColumnName = "Text", Model = model, BatchSize = b,
    }), "Out", isText: false);

    void Measure(string name, Func<int, IEstimator<ITransformer>> step, string column, bool isText)
    {
        double? first = null;
        // One batch of warm-up loads the model and JITs the path.
        Run(step(batches[0]), column, isText, warmUp: true);
        foreach (int batch in batches)
        {
            var watch = Stopwatch.StartNew();
            Run(step(batch), column, isText, warmUp: false);
            double rate = rows / watch.Elapsed.TotalSeconds;
            first ??= rate;
            Console.WriteLine($"{name,-13} {batch,5} {rate,8:F2}   {rate / first.Value,6:F2}x");
        }
    }

    void Run(IEstimator<ITransformer> step, string column, bool isText, bool warmUp)
    {
        var input = warmUp ? ml.Data.TakeRows(data, 2) : data;
        var output = step.Fit(input).Transform(input);
        int count = isText ? output.GetColumn<string>(column).Count() : output.GetColumn<float>(column).Count();
        if (count != (warmUp ? 2 : rows))
        {
            throw new InvalidOperationException($"expected {rows} rows, got {count}");
        }
    }
}
finally
{
    if (temp is not null)
    {
        Directory.Delete(temp, recursive: true);
    }
}

string? Option(string name)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

/// <summary>One input row.</summary>
internal sealed class Row
{
    public string Text { get; set; } = "";
}
