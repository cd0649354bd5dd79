using System.CommandLine;
using Gpt2Kit.Cli.Infrastructure;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit convert</c>: loads a checkpoint in a weight format and writes it as a new checkpoint folder in that
/// format (e.g. q8: int8 weights and their block scales), which later loads without converting again.</summary>
internal static class ConvertCommand
{
    internal static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "A checkpoint folder or a Hugging Face name.", Required = true };
        var dtype = DTypeOption.Create();
        dtype.Required = true;
        var output = new Option<string>("--out") { Description = "The folder to write (created if needed; not the source folder).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("convert", "Write a checkpoint with its weights in another format (f32, bf16, f16 or q8).")
        {
            model, dtype, output, json,
        }.WithExamples(
            "gpt2kit convert --model gpt2 --dtype q8 --out ./gpt2-q8",
            "gpt2kit convert --model ./gpt2-random --dtype bf16 --out ./gpt2-random-bf16 --json");

        command.SetAction(async (parse, cancellationToken) =>
        {
            string? format = DTypeOption.Read(parse, dtype);
            string folder = await CheckpointLoader.ResolveAsync(context, parse.GetValue(model), cancellationToken);
            string target = parse.GetValue(output)!;
            if (File.Exists(target))
            {
                throw new CliException($"--out: '{target}' is a file; expected a folder.");
            }

            if (Path.GetFullPath(target).TrimEnd(Path.DirectorySeparatorChar) == Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar))
            {
                throw new CliException($"--out: '{target}' is the source checkpoint; write the converted one to another folder.");
            }

            using var loaded = CheckpointLoader.Load(context, folder, threads: null, parse.GetValue(json), format);
            loaded.Save(target);
            long bytes = new FileInfo(Path.Combine(target, "model.safetensors")).Length;
            if (parse.GetValue(json))
            {
                CliJson.Write(context.Out, new { path = Path.GetFullPath(target), dtype = loaded.DType, weight_bytes = loaded.WeightBytes, safetensors_bytes = bytes });
            }
            else
            {
                context.Out.WriteLine($"wrote {Path.GetFullPath(target)}: {loaded.DType} weights, {bytes / 1e6:F1} MB");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
