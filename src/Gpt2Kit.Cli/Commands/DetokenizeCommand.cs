using System.CommandLine;
using Gpt2Kit.Cli.Infrastructure;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit detokenize --ids '[15496,11]' [--model DIR] [--json] [--skip-special-tokens] [--clean-up-spaces]</c>:
/// prints the text of a list of ids.</summary>
internal static class DetokenizeCommand
{
    internal static Command Create(CliContext context)
    {
        var ids = new Option<string>("--ids") { Description = "The ids as a JSON array, e.g. [15496,11].", Required = true };
        var model = TokenizeCommand.ModelOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object: {\"text\":\"...\"}." };
        var skipSpecial = new Option<bool>("--skip-special-tokens") { Description = "Leave special tokens such as <|endoftext|> out." };
        var cleanUp = new Option<bool>("--clean-up-spaces") { Description = "Remove spaces before punctuation and contractions, as Hugging Face's clean_up_tokenization_spaces." };
        var command = new Command("detokenize", "Turn GPT-2 token ids into text.") { ids, model, json, skipSpecial, cleanUp }.WithExamples(
            "gpt2kit detokenize --ids '[15496,11,995]'",
            "gpt2kit detokenize --ids '[15496,50256]' --skip-special-tokens --json");
        command.SetAction(parse =>
        {
            int[] values = CliJson.ParseIds(parse.GetValue(ids)!, "--ids");
            var tokenizer = TokenizeCommand.LoadTokenizer(parse.GetValue(model));
            for (int i = 0; i < values.Length; i++)
            {
                if ((uint)values[i] >= (uint)tokenizer.VocabSize)
                {
                    throw new CliException($"--ids: id {values[i]} at index {i} is outside the vocabulary (0..{tokenizer.VocabSize - 1}).");
                }
            }

            string text = tokenizer.Decode(values, parse.GetValue(skipSpecial), parse.GetValue(cleanUp));
            if (parse.GetValue(json))
            {
                CliJson.Write(context.Out, new { text });
            }
            else
            {
                context.Out.WriteLine(text);
                context.Out.Flush();
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
