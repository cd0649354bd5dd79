using System.CommandLine;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Decoding;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit generate</c>: runs one generation request. Plain output prints each sequence's generated text (with
/// <c>--stream</c>, as it is produced); <c>--json</c> prints one object with <c>sequences</c>, <c>texts</c>,
/// <c>sequence_scores</c>, <c>transition_scores</c>, <c>token_logprobs</c>, <c>finish_reasons</c>, <c>beam_indices</c>,
/// <c>processors</c> and <c>prompt_length</c>, shaped as Hugging Face returns them.</summary>
internal static class GenerateCommand
{
    internal static Command Create(CliContext context)
    {
        var command = new Command("generate", "Generate text from a prompt with Hugging Face generate() semantics.");
        var settings = new GenerationCliOptions(command);
        var stream = new Option<bool>("--stream") { Description = "Print the text as it is generated (plain output only; --json prints one object at the end)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with ids, texts and scores." };
        command.Options.Add(stream);
        command.Options.Add(json);

        command.SetAction(async (parse, cancellationToken) =>
        {
            using var host = GeneratorHost.Load(parse.GetValue(settings.Model)!, settings.PluginFolders(parse), context.Error);
            var request = settings.BuildRequest(parse, host.Defaults);
            try
            {
                if (parse.GetValue(stream) && !parse.GetValue(json))
                {
                    await StreamAsync(context, host.Generator, request, cancellationToken);
                    return ExitCodes.Success;
                }

                var result = await host.Generator.GenerateAsync(request, cancellationToken);
                if (parse.GetValue(json))
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
                throw settings.Explain(e);
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

    private static async Task StreamAsync(CliContext context, ITextGenerator generator, GenerationRequest request, CancellationToken cancellationToken)
    {
        // One row streams as it comes; a batch prints each row whole when it finishes, so lines never interleave.
        var pending = new Dictionary<int, System.Text.StringBuilder>();
        bool single = (request.Prompts?.Count ?? request.InputIds?.Count ?? 0) == 1 && (request.Options?.NumReturnSequences ?? 1) == 1;
        await foreach (var update in generator.GenerateStreamingAsync(request, cancellationToken))
        {
            if (single)
            {
                context.Out.Write(update.Text);
                if (update.TokenId < 0)
                {
                    context.Out.WriteLine();
                }

                context.Out.Flush();
                continue;
            }

            if (!pending.TryGetValue(update.Row, out var text))
            {
                pending[update.Row] = text = new System.Text.StringBuilder();
            }

            text.Append(update.Text);
            if (update.TokenId < 0)
            {
                context.Out.WriteLine($"[{update.Row}] {text}");
            }
        }
    }
}
