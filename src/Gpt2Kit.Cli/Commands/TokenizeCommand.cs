using System.Buffers;
using System.CommandLine;
using System.Text.Unicode;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Hub;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit tokenize (--text TEXT | --file PATH) [--model DIR] [--json] [--no-special]</c>: prints the ids
/// of a text, as <c>{"ids":[...]}</c> or as a table of ids and the pieces of text they stand for.</summary>
internal static class TokenizeCommand
{
    internal static Command Create(CliContext context)
    {
        var text = new Option<string?>("--text") { Description = "The text to tokenize." };
        var file = new Option<string?>("--file") { Description = "A UTF-8 text file to tokenize." };
        var model = ModelOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object: {\"ids\":[...]}." };
        var noSpecial = new Option<bool>("--no-special") { Description = "Encode <|endoftext|> written in the text as plain text instead of its special id." };
        var command = new Command("tokenize", "Turn text into GPT-2 token ids.") { text, file, model, json, noSpecial }.WithExamples(
            "gpt2kit tokenize --text \"Hello, world\"",
            "gpt2kit tokenize --file prompt.txt --json");
        command.SetAction(parse =>
        {
            string input = ReadInput(parse.GetValue(text), parse.GetValue(file));
            var tokenizer = LoadTokenizer(parse.GetValue(model));
            int[] ids = tokenizer.Encode(input, allowSpecialTokens: !parse.GetValue(noSpecial));
            if (parse.GetValue(json))
            {
                CliJson.Write(context.Out, new { ids });
            }
            else
            {
                WriteTable(context.Out, tokenizer, ids);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The <c>--model</c> option of the tokenizer commands: a folder with the tokenizer files.</summary>
    internal static Option<string?> ModelOption() => new("--model")
    {
        Description = "A model folder with vocab.json + merges.txt, encoder.json + vocab.bpe or tokenizer.json, or demo (default: the embedded GPT-2 vocabulary).",
    };

    /// <summary>The tokenizer of <c>--model</c> (a folder, or <c>demo</c>), or the embedded GPT-2 one.</summary>
    internal static Gpt2Tokenizer LoadTokenizer(string? folder) =>
        string.IsNullOrEmpty(folder) ? Gpt2Tokenizer.Default : Gpt2Tokenizer.FromFolder(DemoModel.IsName(folder) ? DemoModel.Find() : folder);

    private static string ReadInput(string? text, string? path)
    {
        if (text is not null && path is not null)
        {
            throw new CliException("tokenize: give either --text or --file, not both.");
        }

        if (text is not null)
        {
            return text;
        }

        if (path is null)
        {
            throw new CliException("tokenize: give the text with --text TEXT or --file PATH.");
        }

        if (!File.Exists(path))
        {
            throw new CliException($"--file: '{path}' does not exist.");
        }

        return DecodeUtf8(File.ReadAllBytes(path), path);
    }

    // Strict UTF-8, so a file in another encoding is reported instead of silently tokenized as U+FFFD.
    private static string DecodeUtf8(ReadOnlySpan<byte> bytes, string path)
    {
        int bom = bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var chars = new char[bytes.Length];
        var status = Utf8.ToUtf16(bytes[bom..], chars, out int read, out int written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            int offset = bom + read;
            throw new CliException($"--file: '{path}' is not valid UTF-8: byte 0x{bytes[offset]:X2} at offset {offset}.");
        }

        return new string(chars, 0, written);
    }

    private static void WriteTable(TextWriter output, Gpt2Tokenizer tokenizer, int[] ids)
    {
        var rows = ids.Select((id, index) => (Index: index.ToString(), Id: id.ToString(), Piece: TokenText.Describe(tokenizer.GetTokenBytes(id)))).ToList();
        int indexWidth = Math.Max("#".Length, rows.Count == 0 ? 0 : rows.Max(r => r.Index.Length));
        int idWidth = Math.Max("id".Length, rows.Count == 0 ? 0 : rows.Max(r => r.Id.Length));
        output.WriteLine($"{"#".PadLeft(indexWidth)}  {"id".PadLeft(idWidth)}  token");
        foreach (var (index, id, piece) in rows)
        {
            output.WriteLine($"{index.PadLeft(indexWidth)}  {id.PadLeft(idWidth)}  {piece}");
        }

        output.WriteLine($"{ids.Length} token{(ids.Length == 1 ? "" : "s")}");
        output.Flush();
    }
}
