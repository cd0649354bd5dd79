using System.CommandLine;
using System.Globalization;
using System.Text;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Decoding;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit generate</c>: runs one generation request. Plain output prints each sequence's generated text, as it
/// is produced when stdout is a terminal or with <c>--stream</c>; <c>--json</c> prints one object with <c>sequences</c>, <c>texts</c>,
/// <c>sequence_scores</c>, <c>transition_scores</c>, <c>token_logprobs</c>, <c>finish_reasons</c>, <c>beam_indices</c>,
/// <c>processors</c> and <c>prompt_length</c>, shaped as Hugging Face returns them. Ctrl+C stops within one step: the text so
/// far is printed, then a newline and a "stopped" note on stderr, exit code 130.</summary>
internal static class GenerateCommand
{
    internal static Command Create(CliContext context)
    {
        var command = new Command("generate", "Generate text from a prompt with Hugging Face generate() semantics.").WithExamples(
            "gpt2kit generate --model demo --prompt \"Once upon a time\" --max-new-tokens 40",
            "gpt2kit generate --model gpt2 --prompt \"Once upon a time\" --do-sample --top-p 0.9 --seed 42",
            "gpt2kit generate --input-ids '[[464,2068,7586]]' --num-beams 4 --max-new-tokens 10 --json");
        var settings = new GenerationCliOptions(command);
        var stream = new Option<bool>("--stream") { Description = "Print the text as it is generated, also when stdout is redirected (on a terminal this is the default; --json prints one object at the end)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with ids, texts and scores." };
        command.Options.Add(stream);
        command.Options.Add(json);

        command.SetAction(async (parse, cancellationToken) =>
        {
            bool asJson = parse.GetValue(json);
            using var host = await GeneratorHost.LoadAsync(context, parse.GetValue(settings.Model), settings.PluginFolders(parse), asJson,
                DTypeOption.Read(parse, settings.DType), cancellationToken);
            var request = settings.BuildRequest(parse, host.Defaults);
            try
            {
                // A person at a terminal sees the text as it comes; a pipe gets it whole unless --stream asks otherwise.
                if (!asJson && (parse.GetValue(stream) || context.OutIsTerminal))
                {
                    return await StreamAsync(context, host.Generator, request, cancellationToken);
                }

                var result = await host.Generator.GenerateAsync(request, cancellationToken);
                if (asJson)
                {
                    CliJson.Write(context.Out, ToJson(result));
                }
                else
                {
                    for (int i = 0; i < result.Texts.Count; i++)
                    {
                        context.Out.WriteLine(result.Texts.Count == 1 ? result.Texts[i] : $"[{i}] {result.Texts[i]}");
                    }
                }

                return ExitCodes.Success;
            }
            catch (GenerationConfigurationException e)
            {
                throw settings.Explain(parse, e, host.Generator.Model);
            }
        });

        return command;
    }

    /// <summary>The JSON shape of a result (Hugging Face names).</summary>
    internal static Dictionary<string, object?> ToJson(GenerationResult result) => new()
    {
        ["sequences"] = result.Sequences,
        ["texts"] = result.Texts,
        ["sequence_scores"] = result.SequenceScores,
        ["transition_scores"] = result.TransitionScores,
        ["token_logprobs"] = result.TokenLogprobs,
        ["finish_reasons"] = result.FinishReasons.Select(FinishReasonName).ToArray(),
        ["beam_indices"] = result.BeamIndices,
        ["processors"] = result.Processors,
        ["prompt_length"] = result.PromptLength,
    };

    internal static string FinishReasonName(FinishReason reason) => reason switch
    {
        FinishReason.Length => "length",
        FinishReason.EndOfSequence => "eos",
        FinishReason.StopString => "stop_string",
        FinishReason.Cancelled => "cancelled",
        FinishReason.Time => "time",
        FinishReason.Custom => "custom",
        _ => "none",
    };

    /// <summary>Prints tokens as they come: one sequence streams its text; a batch prints each row whole when it ends, so lines
    /// never interleave. After Ctrl+C the generator stops within one step and reports every row as cancelled: what was
    /// generated is printed, the line ended, and a note goes to stderr.</summary>
    /// <returns><see cref="ExitCodes.Success"/>, or <see cref="ExitCodes.Cancelled"/> after Ctrl+C.</returns>
    private static async Task<int> StreamAsync(CliContext context, ITextGenerator generator, GenerationRequest request, CancellationToken cancellationToken)
    {
        var output = context.Out;
        bool single = (request.Prompts?.Count ?? request.InputIds?.Count ?? 0) == 1 && (request.Options?.NumReturnSequences ?? 1) == 1;
        var pending = new SortedDictionary<int, StringBuilder>();
        bool lineOpen = false;
        int tokens = 0;
        try
        {
            await foreach (var update in generator.GenerateStreamingAsync(request, cancellationToken))
            {
                tokens += update.TokenId >= 0 ? 1 : 0;
                if (single)
                {
                    output.Write(update.Text);
                    lineOpen |= update.Text.Length > 0;
                    if (update.TokenId < 0)
                    {
                        output.WriteLine();
                        lineOpen = false;
                    }

                    output.Flush();
                    continue;
                }

                if (!pending.TryGetValue(update.Row, out var text))
                {
                    pending[update.Row] = text = new StringBuilder();
                }

                text.Append(update.Text);
                if (update.TokenId < 0)
                {
                    output.WriteLine($"[{update.Row}] {text}");
                    output.Flush();
                    pending.Remove(update.Row);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Reported below, after what was generated.
        }

        if (!cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }

        // Rows the generator did not get to report (a beam search streams only at its end) print what they have.
        foreach (var (row, text) in pending)
        {
            output.WriteLine($"[{row}] {text}");
        }

        if (lineOpen)
        {
            output.WriteLine();
        }

        output.Flush();
        context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stopped (Ctrl+C) after {tokens} generated token{(tokens == 1 ? "" : "s")}."));
        return ExitCodes.Cancelled;
    }
}
