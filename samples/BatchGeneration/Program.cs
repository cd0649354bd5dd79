// BatchGeneration: several prompts of different lengths in one request. Decoder-only models need the padding on the
// left, with an attention mask, so every row's last real token sits at the end; positions skip the padding as in
// Hugging Face generate(). Each row comes out exactly as if it had been generated alone.
//   dotnet run --project samples/BatchGeneration [-- MODEL]
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Tokenization;

string folder = SampleModel.Resolve(args.FirstOrDefault());
using var model = Gpt2Model.FromPretrained(folder);
var tokenizer = Gpt2Tokenizer.FromFolder(folder);
var generator = TextGenerator.Create(model, tokenizer);

string[] prompts = ["Tom met a", "Once upon a time", "One day, Lily found a"];
var options = new GenerationOptions { MaxNewTokens = 12 };

// What the generator does with the prompts: left padding with the pad id (GPT-2 has none, so EOS 50256) and a mask.
var batch = tokenizer.EncodeBatch(prompts, PaddingSide.Left, padTokenId: tokenizer.EndOfTextTokenId);
Console.WriteLine($"padded prompt width: {batch.Width}");
for (int row = 0; row < batch.Rows; row++)
{
    Console.WriteLine($"  ids  [{string.Join(", ", batch.InputIds[row]),-50}] mask [{string.Join("", batch.AttentionMask[row])}]");
}

var result = await generator.GenerateAsync(new GenerationRequest { Prompts = prompts, Options = options });

Console.WriteLine();
for (int row = 0; row < prompts.Length; row++)
{
    // The same prompt alone gives the same tokens: padding does not change a row's result.
    var alone = await generator.GenerateAsync(GenerationRequest.FromText(prompts[row], options));
    bool same = alone.Texts[0] == result.Texts[row];
    Console.WriteLine($"[{row}] {prompts[row]}|{result.Texts[row]}");
    Console.WriteLine($"    finish: {result.FinishReasons[row]}; same as generated alone: {(same ? "yes" : "NO")}");
}
