// QuickStart: load a GPT-2 checkpoint and continue a prompt exactly as Hugging Face generate() would (greedy search).
//   dotnet run --project samples/QuickStart [-- MODEL]
// MODEL is a folder or a Hugging Face name (gpt2, openai-community/gpt2-medium@main); the default is the tiny test checkpoint.
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Hub;

string folder = ModelLocation.Resolve(args.Length > 0 ? args[0] : TinyCheckpoint());
using var model = Gpt2Model.FromPretrained(folder);
var generator = TextGenerator.Create(model, Gpt2Tokenizer.FromFolder(folder));

const string Prompt = "Hello, my name is";
var result = await generator.GenerateAsync(GenerationRequest.FromText(Prompt, new GenerationOptions { MaxNewTokens = 20 }));

int[] generated = result.Sequences[0][result.PromptLength..];
Console.WriteLine($"model:  {generator.Model.Name} ({folder})");
Console.WriteLine($"text:   {Prompt}{result.Texts[0]}");
Console.WriteLine($"ids:    [{string.Join(", ", generated)}]");
Console.WriteLine($"finish: {result.FinishReasons[0]} after {generated.Length} new tokens");

// The repository's random-weight checkpoint: it makes no sense as text, but it runs offline in a second.
static string TinyCheckpoint()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        string candidate = Path.Combine(dir.FullName, "tests", "fixtures", "gpt2-tiny");
        if (Directory.Exists(candidate))
        {
            return candidate;
        }
    }

    throw new DirectoryNotFoundException("tests/fixtures/gpt2-tiny was not found; pass a model folder or a Hugging Face name such as gpt2.");
}
