// BeamVsSampling: one prompt through greedy search, beam search, top-k sampling and nucleus (top-p) sampling, with the
// log-probability the model gives each whole continuation (the sum of log-softmax of the raw logits at the chosen tokens).
// Greedy and beam search maximize that number (locally / over a beam); sampling trades it for variety.
//   dotnet run --project samples/BeamVsSampling [-- MODEL [PROMPT]]
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;

string folder = SampleModel.Resolve(args.FirstOrDefault());
string prompt = args.Length > 1 ? args[1] : "One day, Lily found a";
using var model = Gpt2Model.FromPretrained(folder);
var generator = TextGenerator.Create(model, Gpt2Tokenizer.FromFolder(folder));
int[] eos = [.. generator.Model.EosTokenIds];

(string Name, GenerationOptions Options)[] modes =
[
    ("greedy", new() { MaxNewTokens = 20 }),
    ("beam search, 4 beams, best 2", new() { MaxNewTokens = 20, NumBeams = 4, NumReturnSequences = 2 }),
    ("top-k 40 sampling", new() { MaxNewTokens = 20, DoSample = true, TopK = 40, Seed = 7 }),
    ("top-p 0.9 sampling", new() { MaxNewTokens = 20, DoSample = true, TopK = 0, TopP = 0.9, Seed = 7 }),
];

Console.WriteLine($"prompt: {prompt}");
foreach (var (name, options) in modes)
{
    var result = await generator.GenerateAsync(GenerationRequest.FromText(prompt, options));
    Console.WriteLine();
    Console.WriteLine($"{name} ({result.Processors.Count} processors: {string.Join(", ", result.Processors)})");
    for (int row = 0; row < result.Sequences.Count; row++)
    {
        int own = OwnTokens(result.Sequences[row][result.PromptLength..], eos);
        double logprob = result.TokenLogprobs[row].Take(own).Sum(v => (double)v);
        string beamScore = result.SequenceScores is { } scores ? $", beam score {scores[row]:F3}" : "";
        Console.WriteLine($"  log p = {logprob,8:F3} over {own} tokens{beamScore}: {result.Texts[row]}");
    }
}

// A row's own tokens run up to its first end-of-sequence id; what follows is padding.
static int OwnTokens(int[] generated, int[] eos)
{
    int end = Array.FindIndex(generated, id => eos.Contains(id));
    return end < 0 ? generated.Length : end + 1;
}
