using Gpt2Kit.Decoding;
using Gpt2Kit.Models;

namespace Gpt2Kit.ML.Scoring;

/// <summary>Scores several continuations in one model session: the rows (prompt then continuation) are left-padded to one
/// width and run in chunks of positions, each row's logits read at its own continuation positions. Padding is masked out,
/// so each row gets the log-probabilities it gets alone (<see cref="ITextGenerator.ScoreAsync(int[], int[], CancellationToken)"/>) to float rounding.</summary>
/// <remarks>Stateless; thread-safe. Rows the library would reject or treat specially (an empty continuation, an empty
/// prompt, more tokens than the context) go to <see cref="ITextGenerator.ScoreAsync(int[], int[], CancellationToken)"/> one by one, so its rules and errors
/// stay the only ones.</remarks>
internal static class BatchScorer
{
    /// <summary>Most logits floats one chunk may hold (128 MB), which bounds the chunk length.</summary>
    private const long MaxLogitsFloats = 32L << 20;

    private const int MaxChunk = 32;

    public static ScoreResult[] Score(ITextGenerator generator, ICausalLanguageModel model, IReadOnlyList<(int[] Prompt, int[] Continuation)> rows)
    {
        var info = model.Info;
        var work = rows.ToArray();
        var results = new ScoreResult?[work.Length];
        var batch = new List<int>();
        for (int r = 0; r < work.Length; r++)
        {
            var (prompt, continuation) = work[r];
            if (prompt.Length == 0 && info.BosTokenId is { } bos)
            {
                // The library's rule for an empty prompt (score after BOS), applied here so such rows batch too.
                prompt = [bos];
                work[r] = (prompt, continuation);
            }

            if (continuation.Length == 0 || prompt.Length == 0 || prompt.Length + continuation.Length > info.ContextLength)
            {
                results[r] = generator.ScoreAsync(prompt, continuation).GetAwaiter().GetResult();
            }
            else
            {
                batch.Add(r);
            }
        }

        if (batch.Count > 0)
        {
            var scored = ScoreTogether(model, [.. batch.Select(r => work[r])]);
            for (int i = 0; i < batch.Count; i++)
            {
                results[batch[i]] = scored[i];
            }
        }

        return [.. results.Select(r => r!)];
    }

    private static ScoreResult[] ScoreTogether(ICausalLanguageModel model, (int[] Prompt, int[] Continuation)[] rows)
    {
        int count = rows.Length, vocab = model.Info.VocabSize;
        int width = rows.Max(r => r.Prompt.Length + r.Continuation.Length);
        int pad = model.Info.PadTokenId ?? (model.Info.EosTokenIds.Count > 0 ? model.Info.EosTokenIds[0] : 0);
        var ids = new int[count, width];
        var padding = new int[count];
        for (int r = 0; r < count; r++)
        {
            var (prompt, continuation) = rows[r];
            padding[r] = width - prompt.Length - continuation.Length;
            for (int t = 0; t < width; t++)
            {
                int own = t - padding[r];
                ids[r, t] = own < 0 ? pad : own < prompt.Length ? prompt[own] : continuation[own - prompt.Length];
            }
        }

        int chunk = (int)Math.Clamp(MaxLogitsFloats / ((long)count * vocab), 1, MaxChunk);
        var logits = new float[(long)count * chunk * vocab];
        var logprobs = rows.Select(r => new float[r.Continuation.Length]).ToArray();
        var scratch = new float[vocab];
        using var session = model.CreateSession(count, width);
        for (int start = 0; start < width; start += chunk)
        {
            int length = Math.Min(chunk, width - start);
            var tokens = new int[count * length];
            var positions = new int[count * length];
            var mask = new int[count * length];
            for (int r = 0; r < count; r++)
            {
                for (int t = 0; t < length; t++)
                {
                    int own = start + t - padding[r];
                    tokens[(r * length) + t] = ids[r, start + t];
                    mask[(r * length) + t] = own < 0 ? 0 : 1;
                    // Hugging Face's positions: cumsum(mask) − 1, with padding at 1.
                    positions[(r * length) + t] = own < 0 ? 1 : own;
                }
            }

            var chunkLogits = logits.AsSpan(0, count * length * vocab);
            session.Forward(tokens, positions, mask, chunkLogits, allPositions: true);
            for (int r = 0; r < count; r++)
            {
                // Position p predicts the token at p + 1; a row's continuation starts at width − its length.
                int first = width - rows[r].Continuation.Length - 1;
                for (int t = 0; t < length; t++)
                {
                    int p = start + t;
                    if (p >= first && p < width - 1)
                    {
                        var row = chunkLogits.Slice(((r * length) + t) * vocab, vocab);
                        logprobs[r][p - first] = row[ids[r, p + 1]] - ScoreMath.LogSumExp(row, scratch);
                    }
                }
            }
        }

        return [.. logprobs.Select(l => new ScoreResult(l.Sum(v => (double)v), l))];
    }
}
