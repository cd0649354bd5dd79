using System.Globalization;
using Gpt2Kit.Decoding.Search;
using Gpt2Kit.Models;

namespace Gpt2Kit.Decoding;

/// <summary>The log-probability of a continuation after a prompt: one pass over prompt and continuation with logits at
/// every continuation position, raw log-softmax, no processors.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class ContinuationScorer
{
    /// <summary>Checks the ids and returns the prompt to score against (an empty prompt becomes <c>[bos]</c>).</summary>
    public static int[] Check(int[] prompt, int[] continuation, ModelInfo model)
    {
        if (prompt.Length == 0)
        {
            prompt = model.BosTokenId is { } bos
                ? [bos]
                : throw new GenerationConfigurationException("prompt", "", "a non-empty prompt (the model defines no bos_token_id to start from)");
        }

        CheckIds(prompt, "prompt", model.VocabSize);
        CheckIds(continuation, "continuation", model.VocabSize);
        if (prompt.Length + continuation.Length > model.ContextLength)
        {
            throw new GenerationConfigurationException("continuation", continuation.Length.ToString(CultureInfo.InvariantCulture),
                $"at most {Math.Max(0, model.ContextLength - prompt.Length)} tokens: prompt and continuation must fit the model's context of {model.ContextLength} positions");
        }

        return prompt;
    }

    /// <summary>Scores the continuation; with <paramref name="top"/> &gt; 0 also lists each position's most likely tokens.</summary>
    public static ScoreResult Score(ICausalLanguageModel model, int[] prompt, int[] continuation, int top, CancellationToken cancellationToken)
    {
        if (continuation.Length == 0)
        {
            return new ScoreResult(0, []) { Alternatives = top > 0 ? [] : null };
        }

        int vocab = model.Info.VocabSize;
        using var session = model.CreateSession(1, prompt.Length + continuation.Length);
        int position = 0;
        if (prompt.Length > 1)
        {
            // Everything but the last prompt token only fills the cache.
            int head = prompt.Length - 1;
            session.Forward(prompt.AsSpan(0, head), Enumerable.Range(0, head).ToArray(), Ones(head), new float[vocab]);
            position = head;
        }

        cancellationToken.ThrowIfCancellationRequested();

        // The last prompt token and all but the last continuation token predict the continuation, one position each.
        int count = continuation.Length;
        var tokens = new int[count];
        tokens[0] = prompt[^1];
        continuation.AsSpan(0, count - 1).CopyTo(tokens.AsSpan(1));
        var logits = new float[count * vocab];
        session.Forward(tokens, Enumerable.Range(position, count).ToArray(), Ones(count), logits, allPositions: true);

        var scratch = new float[vocab];
        var logprobs = new float[count];
        var alternatives = top > 0 ? new TokenAlternative[count][] : null;
        int[] topIds = new int[Math.Min(top, vocab)];
        float[] topLogits = new float[topIds.Length];
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            var row = logits.AsSpan(i * vocab, vocab);
            float logSumExp = ScoreMath.LogSumExp(row, scratch);
            logprobs[i] = row[continuation[i]] - logSumExp;
            sum += logprobs[i];
            if (alternatives is not null)
            {
                int found = ScoreMath.TopK(row, topIds, topLogits);
                alternatives[i] = new TokenAlternative[found];
                for (int j = 0; j < found; j++)
                {
                    alternatives[i][j] = new TokenAlternative(topIds[j], topLogits[j], topLogits[j] - logSumExp);
                }
            }
        }

        return new ScoreResult(sum, logprobs) { Alternatives = alternatives };
    }

    private static int[] Ones(int count)
    {
        var ones = new int[count];
        Array.Fill(ones, 1);
        return ones;
    }

    private static void CheckIds(int[] ids, string path, int vocab)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] < 0 || ids[i] >= vocab)
            {
                throw new GenerationConfigurationException($"{path}:{i}", ids[i].ToString(CultureInfo.InvariantCulture), $"a token id in [0, {vocab - 1}]");
            }
        }
    }
}
