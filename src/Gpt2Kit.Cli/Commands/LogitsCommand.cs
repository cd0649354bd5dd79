using System.CommandLine;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Models;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit logits</c>: last-position logits of each row, with ragged rows left-padded and masked and
/// positions derived from the mask as Hugging Face <c>generate()</c> does.</summary>
internal static class LogitsCommand
{
    private const int TopCount = 10;

    internal static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "demo, a checkpoint folder (config.json, model.safetensors) or a Hugging Face name (gpt2, org/name@revision).", Required = true };
        var inputIds = new Option<string>("--input-ids") { Description = "Token ids: [464,2068] or [[464,2068],[40]] (ragged rows are left-padded).", Required = true };
        var threads = new Option<int?>("--threads") { Description = "Threads for the forward pass (default: every core)." };
        var json = new Option<bool>("--json") { Description = "Print {\"logits\": [[...], ...]} instead of the top ids per row." };
        var dtype = DTypeOption.Create();
        var command = new Command("logits", "Print the next-token logits of each row.") { model, inputIds, threads, dtype, json }.WithExamples(
            "gpt2kit logits --model gpt2 --input-ids '[464,2068,7586]'",
            "gpt2kit logits --model ./my-checkpoint --input-ids '[[464,2068],[40]]' --json");
        command.SetAction(async (parse, cancellationToken) =>
        {
            int[][] rows = CliJson.ParseIdRows(parse.GetValue(inputIds)!, "--input-ids");
            int? threadCount = parse.GetValue(threads);
            if (threadCount is < 1)
            {
                throw new CliException($"--threads: {threadCount} is not allowed; expected 1 or more.");
            }

            string folder = await CheckpointLoader.ResolveAsync(context, parse.GetValue(model), cancellationToken);
            using var loaded = CheckpointLoader.Load(context, folder, threadCount, parse.GetValue(json), DTypeOption.Read(parse, dtype));
            float[] logits = Compute(loaded, rows);
            int vocab = loaded.Info.VocabSize;
            if (parse.GetValue(json))
            {
                CliJson.Write(context.Out, new { logits = rows.Select((_, r) => new ArraySegment<float>(logits, r * vocab, vocab)).ToArray() });
                return ExitCodes.Success;
            }

            for (int r = 0; r < rows.Length; r++)
            {
                var row = new ArraySegment<float>(logits, r * vocab, vocab);
                var top = Enumerable.Range(0, vocab).OrderByDescending(v => row[v]).Take(TopCount);
                context.Out.WriteLine($"row {r}: top {TopCount} " + string.Join(", ", top.Select(v => $"{v}:{row[v]:F4}")));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Runs the left-padded batch and returns <c>[rows, vocab]</c> logits.</summary>
    private static float[] Compute(Gpt2Model model, int[][] rows)
    {
        var info = model.Info;
        int width = rows.Max(r => r.Length);
        for (int r = 0; r < rows.Length; r++)
        {
            if (rows[r].Length == 0)
            {
                throw new CliException($"--input-ids: row {r} is empty; every row needs at least one id.");
            }

            for (int i = 0; i < rows[r].Length; i++)
            {
                if ((uint)rows[r][i] >= (uint)info.VocabSize)
                {
                    throw new CliException($"--input-ids: id {rows[r][i]} (row {r}, index {i}) is outside the vocabulary 0..{info.VocabSize - 1}.");
                }
            }
        }

        if (width > info.ContextLength)
        {
            throw new CliException($"--input-ids: {width} positions are more than this model's n_positions ({info.ContextLength}).");
        }

        int pad = info.PadTokenId ?? (info.EosTokenIds.Count > 0 ? info.EosTokenIds[0] : 0);
        int[] ids = new int[rows.Length * width];
        int[] mask = new int[rows.Length * width];
        for (int r = 0; r < rows.Length; r++)
        {
            int padding = width - rows[r].Length;
            ids.AsSpan(r * width, padding).Fill(pad);
            rows[r].CopyTo(ids, (r * width) + padding);
            mask.AsSpan((r * width) + padding, rows[r].Length).Fill(1);
        }

        int[] positions = new int[ids.Length];
        PositionIds.FromAttentionMask(mask, rows.Length, positions);
        float[] logits = new float[rows.Length * info.VocabSize];
        using var session = model.CreateSession(rows.Length, width);
        session.Forward(ids, positions, mask, logits);
        return logits;
    }
}
