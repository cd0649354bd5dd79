using System.Globalization;
using Gpt2Kit.Models;

namespace Gpt2Kit.Decoding.Search;

/// <summary>Contrastive search (Hugging Face ≤4.55 <c>_contrastive_search</c>, 4.45 semantics): at every step the
/// <c>top_k</c> most likely tokens of <c>softmax(chain(logits))</c> are each run one step ahead; the one maximising
/// <c>(1 − α)·p − α·max cos(context, h)</c> wins, where the context is every earlier real (unpadded) position's final hidden
/// state. <c>penalty_alpha</c> = 0 reduces to greedy decoding.</summary>
/// <remarks>Stateless; thread-safe. The session holds <c>prompts × top_k</c> rows: each step forwards the candidates of a
/// prompt side by side, then <see cref="IModelSession.Reorder"/> copies the winner's cache over its siblings.</remarks>
internal sealed class ContrastiveSearch : ISearchStrategy
{
    /// <summary>Largest logits buffer the prompt pass may use at once (floats); longer prompts run in chunks.</summary>
    private const long PrefillLogitsBudget = 16L << 20;

    public string Name => SearchStrategyNames.Contrastive;

    public void Validate(ResolvedGenerationOptions options, ModelInfo model)
    {
        StrategyValidation.ValidateSingleSequence(options, "for contrastive search");

        if (options.TopK < 1 || options.TopK > model.VocabSize)
        {
            throw new GenerationConfigurationException("top_k", options.TopK.ToString(CultureInfo.InvariantCulture),
                $"an integer in [1, {model.VocabSize}] for contrastive search (the number of candidates)");
        }

    }

    public GenerationResult Search(SearchContext context, CancellationToken cancellationToken)
    {
        var info = context.Model.Info;
        int vocab = info.VocabSize;
        int hidden = info.HiddenSize;
        int k = context.Options.TopK;
        double alpha = context.Options.PenaltyAlpha ?? 0;
        int maxLength = context.MaxLength;
        var rows = new TokenRows(context.InputIds, context.AttentionMask, 1, maxLength);
        int batch = rows.Rows;
        int sessionRows = batch * k;
        var chain = new ProcessorChainRunner(context.Chain, context.EosTokenIds, maxLength);
        var tracker = new RowStepTracker(context, rows);

        // Normalised final hidden state of every position so far, and whether it counts (padding does not).
        var contextStates = new float[batch * maxLength * hidden];
        var contextValid = new bool[batch * maxLength];
        var nextLogits = new float[batch * vocab];

        using var session = context.Model.CreateSession(sessionRows, maxLength);
        cancellationToken.ThrowIfCancellationRequested();
        Prefill(context, session, k, nextLogits, contextStates, contextValid);

        var logits = new float[sessionRows * vocab];
        var states = new float[sessionRows * hidden];
        var scores = new float[batch * vocab];
        var rawLogSumExp = new float[batch];
        var scratch = new float[vocab];
        var candidateIds = new int[sessionRows];
        var candidateScores = new float[k];
        var candidateProbabilities = new double[sessionRows];
        var tokens = new int[sessionRows];
        var positions = new int[sessionRows];
        var mask = new int[sessionRows];
        var sources = new int[sessionRows];
        var next = new int[batch];
        while (true)
        {
            tracker.ThrowIfCancelled(cancellationToken);
            for (int b = 0; b < batch; b++)
            {
                var raw = nextLogits.AsSpan(b * vocab, vocab);
                var s = scores.AsSpan(b * vocab, vocab);
                rawLogSumExp[b] = ScoreMath.LogSumExp(raw, scratch);
                raw.CopyTo(s);
                chain.Apply(rows, b, s);

                float lse = ScoreMath.LogSumExp(s, scratch);
                ScoreMath.TopK(s, candidateIds.AsSpan(b * k, k), candidateScores);
                for (int j = 0; j < k; j++)
                {
                    candidateProbabilities[b * k + j] = MathF.Exp(candidateScores[j] - lse);
                    tokens[b * k + j] = candidateIds[b * k + j];
                }
            }

            // Every candidate runs one step ahead, at its prompt's next position.
            for (int r = 0; r < sessionRows; r++)
            {
                positions[r] = rows.NextPosition(r / k);
                mask[r] = 1;
            }

            session.Forward(tokens, positions, mask, logits, allPositions: false, states);

            int length = rows.Length;
            for (int b = 0; b < batch; b++)
            {
                int best = 0;
                double bestScore = double.NegativeInfinity;
                for (int j = 0; j < k; j++)
                {
                    var state = states.AsSpan((b * k + j) * hidden, hidden);
                    double penalty = MaxCosine(contextStates.AsSpan(b * maxLength * hidden, length * hidden), contextValid.AsSpan(b * maxLength, length), state, hidden);
                    double score = (1 - alpha) * candidateProbabilities[b * k + j] - alpha * penalty;
                    if (score > bestScore)
                    {
                        bestScore = score;
                        best = j;
                    }
                }

                int winner = b * k + best;
                next[b] = tracker.Take(b, candidateIds[winner], scores.AsSpan(b * vocab, vocab), nextLogits.AsSpan(b * vocab, vocab), rawLogSumExp[b]);

                // The winner's hidden state joins the context; its logits feed the next step; its cache replaces its siblings'.
                Normalize(states.AsSpan(winner * hidden, hidden), contextStates.AsSpan((b * maxLength + length) * hidden, hidden));
                contextValid[b * maxLength + length] = true;
                logits.AsSpan(winner * vocab, vocab).CopyTo(nextLogits.AsSpan(b * vocab, vocab));
                for (int j = 0; j < k; j++)
                {
                    sources[b * k + j] = winner;
                }
            }

            session.Reorder(sources);
            rows.Append(next);
            if (tracker.CheckFinished())
            {
                return tracker.Result();
            }
        }
    }

    /// <summary>Runs the prompt on every candidate row (each prompt repeated <paramref name="k"/> times) and keeps the last
    /// logits of each prompt and the normalised hidden state of each of its positions.</summary>
    private static void Prefill(SearchContext context, IModelSession session, int k, float[] nextLogits, float[] contextStates, bool[] contextValid)
    {
        var info = context.Model.Info;
        int vocab = info.VocabSize;
        int hidden = info.HiddenSize;
        int batch = context.InputIds.Count;
        int promptLength = context.InputIds[0].Length;
        int maxLength = context.MaxLength;
        int sessionRows = batch * k;

        var fullMask = new int[sessionRows * promptLength];
        var fullPositions = new int[sessionRows * promptLength];
        for (int r = 0; r < sessionRows; r++)
        {
            context.AttentionMask[r / k].CopyTo(fullMask.AsSpan(r * promptLength, promptLength));
        }

        PositionIds.FromAttentionMask(fullMask, sessionRows, fullPositions);

        int chunk = (int)Math.Clamp(PrefillLogitsBudget / ((long)sessionRows * vocab), 1, promptLength);
        var tokens = new int[sessionRows * chunk];
        var positions = new int[sessionRows * chunk];
        var mask = new int[sessionRows * chunk];
        var logits = new float[sessionRows * chunk * vocab];
        var states = new float[sessionRows * chunk * hidden];
        for (int start = 0; start < promptLength; start += chunk)
        {
            int t = Math.Min(chunk, promptLength - start);
            for (int r = 0; r < sessionRows; r++)
            {
                context.InputIds[r / k].AsSpan(start, t).CopyTo(tokens.AsSpan(r * t, t));
                fullPositions.AsSpan(r * promptLength + start, t).CopyTo(positions.AsSpan(r * t, t));
                fullMask.AsSpan(r * promptLength + start, t).CopyTo(mask.AsSpan(r * t, t));
            }

            session.Forward(tokens.AsSpan(0, sessionRows * t), positions.AsSpan(0, sessionRows * t), mask.AsSpan(0, sessionRows * t),
                logits.AsSpan(0, sessionRows * t * vocab), allPositions: true, states.AsSpan(0, sessionRows * t * hidden));

            for (int b = 0; b < batch; b++)
            {
                int row = b * k;
                for (int i = 0; i < t; i++)
                {
                    int position = start + i;
                    Normalize(states.AsSpan((row * t + i) * hidden, hidden), contextStates.AsSpan((b * maxLength + position) * hidden, hidden));
                    contextValid[b * maxLength + position] = context.AttentionMask[b][position] != 0;
                }

                if (start + t == promptLength)
                {
                    logits.AsSpan((row * t + t - 1) * vocab, vocab).CopyTo(nextLogits.AsSpan(b * vocab, vocab));
                }
            }
        }
    }

    /// <summary>The largest cosine similarity between <paramref name="state"/> and the valid normalised context states;
    /// −∞ when no position is valid.</summary>
    private static double MaxCosine(ReadOnlySpan<float> contextStates, ReadOnlySpan<bool> valid, ReadOnlySpan<float> state, int hidden)
    {
        double norm = Math.Sqrt(Dot(state, state));
        double max = double.NegativeInfinity;
        for (int c = 0; c < valid.Length; c++)
        {
            if (!valid[c])
            {
                continue;
            }

            double cosine = Dot(contextStates.Slice(c * hidden, hidden), state) / norm;
            if (cosine > max)
            {
                max = cosine;
            }
        }

        return max;
    }

    private static void Normalize(ReadOnlySpan<float> source, Span<float> destination)
    {
        float norm = (float)Math.Sqrt(Dot(source, source));
        System.Numerics.Tensors.TensorPrimitives.Divide(source, norm, destination);
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }
}
