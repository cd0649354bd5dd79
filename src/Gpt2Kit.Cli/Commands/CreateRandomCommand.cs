using System.CommandLine;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.SafeTensors;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit create-random</c>: writes a random-weight GPT-2 checkpoint of a known shape (for benchmarks and tests).</summary>
internal static class CreateRandomCommand
{
    internal static Command Create(CliContext context)
    {
        var shape = new Option<string>("--shape")
        {
            Description = $"The shape: {string.Join(", ", Gpt2Config.PresetNames)}.",
            Required = true,
        };
        var output = new Option<string>("--out") { Description = "The folder to write (created if needed).", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "Stored weight type: f32, f16 or bf16.", DefaultValueFactory = _ => "f32" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the weight generator.", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("create-random", "Write a GPT-2 checkpoint with random weights (config.json, generation_config.json, model.safetensors, vocab.json, merges.txt).")
        {
            shape, output, dtype, seed, json,
        }.WithExamples(
            "gpt2kit create-random --shape gpt2 --out ./gpt2-random",
            "gpt2kit create-random --shape gpt2-medium --out ./medium-f16 --dtype f16 --seed 7 --json");

        command.SetAction(parse =>
        {
            string shapeName = parse.GetValue(shape)!;
            if (!Gpt2Config.PresetNames.Contains(shapeName, StringComparer.OrdinalIgnoreCase))
            {
                throw new CliException($"--shape: '{shapeName}' is not a known shape; expected one of: {string.Join(", ", Gpt2Config.PresetNames)}.");
            }

            var storedType = ParseDType(parse.GetValue(dtype)!);
            string folder = parse.GetValue(output)!;
            if (File.Exists(folder))
            {
                throw new CliException($"--out: '{folder}' is a file; expected a folder.");
            }

            var config = Gpt2Config.FromPreset(shapeName);
            Gpt2RandomCheckpoint.Write(folder, config, storedType, parse.GetValue(seed));
            long bytes = new DirectoryInfo(folder).EnumerateFiles("*.safetensors").Sum(f => f.Length);
            if (parse.GetValue(json))
            {
                CliJson.Write(context.Out, new
                {
                    path = Path.GetFullPath(folder),
                    shape = shapeName.ToLowerInvariant(),
                    dtype = SafeTensorsDTypes.Name(storedType),
                    seed = parse.GetValue(seed),
                    parameters = config.ParameterCount,
                    safetensors_bytes = bytes,
                });
            }
            else
            {
                context.Out.WriteLine($"wrote {Path.GetFullPath(folder)}: {shapeName.ToLowerInvariant()}, {config.ParameterCount:N0} parameters, {SafeTensorsDTypes.Name(storedType)}, {bytes / 1e6:F1} MB");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static SafeTensorsDType ParseDType(string text) => text.ToLowerInvariant() switch
    {
        "f32" or "float32" => SafeTensorsDType.F32,
        "f16" or "float16" => SafeTensorsDType.F16,
        "bf16" or "bfloat16" => SafeTensorsDType.BF16,
        _ => throw new CliException($"--dtype: '{text}' is not supported; expected f32, f16 or bf16."),
    };
}
