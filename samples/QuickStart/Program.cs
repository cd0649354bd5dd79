// QuickStart: load a GPT-2 checkpoint and continue a prompt exactly as Hugging Face generate() would (greedy search).
//   dotnet run --project samples/QuickStart [-- MODEL]
// MODEL is a folder, demo, or a Hugging Face name (gpt2, openai-community/gpt2-medium@main); the default is gpt2 when the
// Hugging Face cache holds it, else the demo checkpoint (a toy trained on children's stories, see models/gpt2-stories).
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;

string folder = SampleModel.Resolve(args.FirstOrDefault());
using var model = Gpt2Model.FromPretrained(folder);
var generator = TextGenerator.Create(model, Gpt2Tokenizer.FromFolder(folder));

const string Prompt = "Once upon a time";
var result = await generator.GenerateAsync(GenerationRequest.FromText(Prompt, new GenerationOptions { MaxNewTokens = 30 }));

int[] generated = result.Sequences[0][result.PromptLength..];
Console.WriteLine($"model:  {generator.Model.Name} ({folder})");
Console.WriteLine($"text:   {Prompt}{result.Texts[0]}");
Console.WriteLine($"ids:    [{string.Join(", ", generated)}]");
Console.WriteLine($"finish: {result.FinishReasons[0]} after {generated.Length} new tokens");
