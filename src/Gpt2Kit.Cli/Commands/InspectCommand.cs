using System.CommandLine;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Decoding;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit inspect</c>: the next-token scores after the processor chain, step by step along one path (the most
/// likely token, or a drawn one when sampling). <c>--json</c> prints
/// <c>{"steps":[{"step":0,"row":0,"top":[[id,score,logprob,"text"],…],"finite_count":n,"chosen":id}]}</c>; without it, the
/// choices per step are a table (see <see cref="StepChoicesView"/>).</summary>
internal static class InspectCommand
{
    internal static Command Create(CliContext context)
    {
        var command = new Command("inspect", "Show the top next tokens after the logits processor chain, step by step, and the token chosen.").WithExamples(
            "gpt2kit inspect --prompt \"The quick brown\" --steps 3 --top 5",
            "gpt2kit inspect --prompt \"Hello\" --do-sample --temperature 0.7 --top-k 40 --seed 1 --steps 4",
            "gpt2kit inspect --input-ids '[[464,2068,7586]]' --repetition-penalty 1.3 --json");
        var settings = new GenerationCliOptions(command);
        var steps = new Option<int>("--steps") { Description = "Positions to inspect.", DefaultValueFactory = _ => 1 };
        var top = new Option<int>("--top") { Description = "Tokens to show per step.", DefaultValueFactory = _ => 10 };
        var promptLength = new Option<int?>("--prompt-length") { Description = "Prompt length the processors see (default: the input width; the rest counts as generated)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        command.Options.Add(steps);
        command.Options.Add(top);
        command.Options.Add(promptLength);
        command.Options.Add(json);

        command.SetAction(async (parse, cancellationToken) =>
        {
            bool asJson = parse.GetValue(json);
            using var host = await GeneratorHost.LoadAsync(context, parse.GetValue(settings.Model), settings.PluginFolders(parse), asJson,
                DTypeOption.Read(parse, settings.DType), cancellationToken);
            var request = settings.BuildRequest(parse, host.Defaults);
            IReadOnlyList<Decoding.Inspection.InspectionStep> report;
            try
            {
                report = await host.Generator.InspectAsync(request, parse.GetValue(steps), parse.GetValue(top), parse.GetValue(promptLength), cancellationToken);
            }
            catch (GenerationConfigurationException e) when (e.SettingPath is "steps" or "top" or "prompt_length")
            {
                throw new CliException($"--{e.SettingPath.Replace('_', '-')}: {e.Message}");
            }
            catch (GenerationConfigurationException e)
            {
                throw settings.Explain(parse, e, host.Generator.Model);
            }

            if (asJson)
            {
                CliJson.Write(context.Out, new Dictionary<string, object>
                {
                    ["steps"] = report.Select(s => new Dictionary<string, object>
                    {
                        ["step"] = s.Step,
                        ["row"] = s.Row,
                        ["top"] = s.Top.Select(a => new object?[] { a.TokenId, a.Score, a.Logprob, a.Text }).ToArray(),
                        ["finite_count"] = s.FiniteCount,
                        ["chosen"] = s.ChosenTokenId,
                    }).ToArray(),
                });
                return ExitCodes.Success;
            }

            if (context.OutIsTerminal)
            {
                StepChoicesView.WriteTable(context.CreateConsole(context.Out), report, host.Tokenizer);
            }
            else
            {
                StepChoicesView.WritePlain(context.Out, report, host.Tokenizer);
            }

            return ExitCodes.Success;
        });

        return command;
    }
}
