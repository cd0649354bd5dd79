using System.CommandLine;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Decoding;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit score</c>: the log-probability of a continuation after a prompt (raw log-softmax, no processors).
/// Text is tokenized prompt and continuation separately. <c>--json</c> prints <c>{"sum_logprob":…,"token_logprobs":[…]}</c>.</summary>
internal static class ScoreCommand
{
    internal static Command Create(CliContext context)
    {
        var command = new Command("score", "Log-probability of a continuation given a prompt.").WithExamples(
            "gpt2kit score --prompt \"The quick brown\" --continuation \" fox jumps\"",
            "gpt2kit score --input-ids '[464,2068,7586]' --continuation-ids '[21831]' --json");
        var model = new Option<string>("--model")
        {
            Description = "demo (the offline demo checkpoint), a checkpoint folder or a Hugging Face name (gpt2, org/name@revision).",
            DefaultValueFactory = _ => Hub.ModelLocation.DefaultModel,
        };
        var prompt = new Option<string>("--prompt") { Description = "The prompt as text." };
        var continuation = new Option<string>("--continuation") { Description = "The continuation as text (tokenized on its own)." };
        var inputIds = new Option<string>("--input-ids") { Description = "The prompt as ids, e.g. [464,2068]." };
        var continuationIds = new Option<string>("--continuation-ids") { Description = "The continuation as ids." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var dtype = DTypeOption.Create();
        foreach (var option in new Option[] { model, dtype, prompt, continuation, inputIds, continuationIds, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            bool text = parse.GetValue(prompt) is not null || parse.GetValue(continuation) is not null;
            bool ids = parse.GetValue(inputIds) is not null || parse.GetValue(continuationIds) is not null;
            if (text == ids)
            {
                throw new CliException("give either --prompt and --continuation (text) or --input-ids and --continuation-ids (ids).");
            }

            using var host = await GeneratorHost.LoadAsync(context, parse.GetValue(model), json: parse.GetValue(json),
                dtype: DTypeOption.Read(parse, dtype), cancellationToken: cancellationToken);
            int[] promptIds, continuationTokens;
            if (text)
            {
                promptIds = host.Tokenizer.Encode(parse.GetValue(prompt) ?? throw new CliException("--prompt is required with --continuation."));
                continuationTokens = host.Tokenizer.Encode(parse.GetValue(continuation) ?? throw new CliException("--continuation is required with --prompt."));
            }
            else
            {
                promptIds = CliJson.ParseIds(parse.GetValue(inputIds) ?? throw new CliException("--input-ids is required with --continuation-ids."), "--input-ids");
                continuationTokens = CliJson.ParseIds(parse.GetValue(continuationIds) ?? throw new CliException("--continuation-ids is required with --input-ids."), "--continuation-ids");
            }

            if (continuationTokens.Length == 0)
            {
                throw new CliException(text ? "--continuation: the text has no tokens." : "--continuation-ids: expected at least one id.");
            }

            ScoreResult score;
            try
            {
                score = await host.Generator.ScoreAsync(promptIds, continuationTokens, cancellationToken);
            }
            catch (GenerationConfigurationException e)
            {
                string flag = e.SettingPath.StartsWith("prompt", StringComparison.Ordinal)
                    ? (text ? "--prompt" : "--input-ids")
                    : (text ? "--continuation" : "--continuation-ids");
                throw new CliException($"{flag}: {e.Message}");
            }

            if (parse.GetValue(json))
            {
                CliJson.Write(context.Out, new Dictionary<string, object>
                {
                    ["sum_logprob"] = score.SumLogprob,
                    ["token_logprobs"] = score.TokenLogprobs,
                    ["continuation_ids"] = continuationTokens,
                });
                return ExitCodes.Success;
            }

            context.Out.WriteLine($"sum_logprob: {GenerationCliOptions.Format(score.SumLogprob)}");
            for (int i = 0; i < continuationTokens.Length; i++)
            {
                context.Out.WriteLine($"  {continuationTokens[i],6}  {GenerationCliOptions.Format(score.TokenLogprobs[i]),12}  {TokenText.Describe(host.Tokenizer.GetTokenBytes(continuationTokens[i]))}");
            }

            return ExitCodes.Success;
        });

        return command;
    }
}
