// Streaming: print a sampled continuation token by token as it is generated; Ctrl+C stops it.
//   dotnet run --project samples/Streaming [-- MODEL [PROMPT]]
using System.Diagnostics;
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;

string folder = SampleModel.Resolve(args.FirstOrDefault());
string prompt = args.Length > 1 ? args[1] : "Once upon a time";
using var model = Gpt2Model.FromPretrained(folder);
var generator = TextGenerator.Create(model, Gpt2Tokenizer.FromFolder(folder));

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

// Sampling with a seed: the same seed gives the same text on every run.
var options = new GenerationOptions { DoSample = true, Temperature = 0.8, TopP = 0.95, MaxNewTokens = 60, Seed = 42 };
var clock = Stopwatch.StartNew();
int tokens = 0;
var finish = FinishReason.None;
Console.Write(prompt);
try
{
    await foreach (var update in generator.GenerateStreamingAsync(GenerationRequest.FromText(prompt, options), cancellation.Token))
    {
        Console.Write(update.Text); // never half a character, never the start of a stop string
        tokens += update.TokenId >= 0 ? 1 : 0;
        finish = update.FinishReason == FinishReason.None ? finish : update.FinishReason;
    }
}
catch (OperationCanceledException)
{
    finish = FinishReason.Cancelled;
}

Console.WriteLine();
Console.WriteLine($"[{finish}: {tokens} tokens in {clock.Elapsed.TotalSeconds:F2} s, {tokens / clock.Elapsed.TotalSeconds:F1} tokens/s]");
