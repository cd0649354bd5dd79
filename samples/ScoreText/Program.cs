// ScoreText: how likely the model finds each continuation of a prompt, without generating anything. One forward pass per
// candidate gives the log-softmax of the raw logits at every continuation token; their sum ranks the candidates.
//   dotnet run --project samples/ScoreText [-- MODEL]
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;

string folder = SampleModel.Resolve(args.FirstOrDefault());
using var model = Gpt2Model.FromPretrained(folder);
var tokenizer = Gpt2Tokenizer.FromFolder(folder);
var generator = TextGenerator.Create(model, tokenizer);

// The last candidate uses words the demo checkpoint never saw: it rates them far below everything it knows.
const string Prompt = "One day, Lily found a";
string[] continuations = [" golden coin in the garden.", " little puppy.", " big red ball.", " tax return."];

int[] promptIds = tokenizer.Encode(Prompt);
var scored = new List<(string Text, ScoreResult Score, int[] Ids)>();
foreach (string continuation in continuations)
{
    int[] ids = tokenizer.Encode(continuation);
    scored.Add((continuation, await generator.ScoreAsync(promptIds, ids), ids));
}

Console.WriteLine($"prompt: {Prompt}");
foreach (var (text, score, ids) in scored.OrderByDescending(s => s.Score.SumLogprob))
{
    // Per-token average: fairer when the candidates differ in length.
    Console.WriteLine($"  {score.SumLogprob,9:F3}  (mean {score.SumLogprob / ids.Length,7:F3})  {text}");
    for (int i = 0; i < ids.Length; i++)
    {
        Console.WriteLine($"      {score.TokenLogprobs[i],9:F3}  {tokenizer.Decode([ids[i]])}");
    }
}
