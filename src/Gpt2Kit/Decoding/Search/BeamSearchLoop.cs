using Gpt2Kit.Decoding.Stopping;

namespace Gpt2Kit.Decoding.Search;

/// <summary>The beam search loop of Hugging Face 4.36–4.49 (<c>BeamSearchScorer</c> semantics), shared by beam search,
/// beam sampling and group (diverse) beam search.</summary>
/// <remarks>Stateless; thread-safe (all state of a request lives in a <see cref="Run"/> call). Per step and per beam group:
/// <c>q = chain(log_softmax(logits))</c>, <c>acc = q + beam_score</c>, the top (or sampled) <c>max(2, 1 + #EOS) · group_size</c>
/// candidates of each prompt are walked by rank: an EOS candidate ranked below <c>group_size</c> closes a hypothesis, the
/// others become the next beams. Rows are <c>prompt × num_beams + beam</c>; beam indices are global rows.</remarks>
internal static class BeamSearchLoop
{
    /// <summary>Initial score of every beam but the first of a group: only one beam feeds the first step.</summary>
    private const float InitialOtherBeamScore = -1e9f;

    public static GenerationResult Run(SearchContext context, int groups, bool sample, CancellationToken cancellationToken)
    {
        var options = context.Options;
        int vocab = context.Model.Info.VocabSize;
        int numBeams = options.NumBeams;
        int groupSize = numBeams / groups;
        int batch = context.InputIds.Count;
        int maxLength = context.MaxLength;
        var eos = context.EosTokenIds;
        var rows = new TokenRows(context.InputIds, context.AttentionMask, numBeams, maxLength);
        int n = rows.Rows;
        int promptLength = rows.PromptLength;
        var chain = new ProcessorChainRunner(context.Chain, eos, maxLength);
        var stopping = new StoppingPipeline(eos, context.StoppingCriteria);
        var alternatives = new TopAlternatives(options.TopAlternatives, vocab, context.Tokenizer);
        var history = new BeamHistory(n, maxLength - promptLength, alternatives.Enabled);

        var pools = new BeamHypothesisPool[batch * groups];
        for (int i = 0; i < pools.Length; i++)
        {
            pools[i] = new BeamHypothesisPool(groupSize, options.LengthPenalty, options.EarlyStopping, maxLength);
        }

        var done = new bool[batch * groups];
        var beamScores = new float[n];
        for (int r = 0; r < n; r++)
        {
            beamScores[r] = (r % numBeams) % groupSize == 0 ? 0f : InitialOtherBeamScore;
        }

        int candidatesPerGroup = Math.Max(2, 1 + eos.Length) * groupSize;
        var logits = new float[n * vocab];
        var processed = new float[n * vocab];
        var logSumExp = new float[n];
        var scratch = new float[vocab];
        var accumulated = new float[groupSize * vocab];
        var weights = sample ? new double[groupSize * vocab] : [];
        var candidateIds = new int[candidatesPerGroup];
        var candidateScores = new float[candidatesPerGroup];
        var nextTokens = new int[n];
        var nextScores = new float[n];
        var sources = new int[n];
        var stepScores = new float[n];
        var stepLogprobs = new float[n];
        var currentTokens = new int[n];
        var rowAlternatives = alternatives.Enabled ? new TokenAlternative[]?[n] : null;
        var stepAlternatives = alternatives.Enabled ? new TokenAlternative[]?[n] : null;
        var tokens = new int[n * promptLength];
        var positions = new int[n * promptLength];
        var mask = new int[n * promptLength];

        using var session = context.Model.CreateSession(n, maxLength);
        cancellationToken.ThrowIfCancellationRequested();
        rows.WritePrompt(tokens, positions, mask);
        session.Forward(tokens, positions, mask, logits);

        var endedBy = FinishReason.Length;
        var rowReasons = new FinishReason[n];
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int currentLength = rows.Length;
            for (int g = 0; g < groups; g++)
            {
                for (int b = 0; b < batch; b++)
                {
                    for (int j = 0; j < groupSize; j++)
                    {
                        int r = b * numBeams + g * groupSize + j;
                        var raw = logits.AsSpan(r * vocab, vocab);
                        var q = processed.AsSpan(r * vocab, vocab);
                        logSumExp[r] = ScoreMath.LogSumExp(raw, scratch);
                        System.Numerics.Tensors.TensorPrimitives.Subtract(raw, logSumExp[r], q);
                        // Diverse beam search: the group and the tokens its prompt's earlier groups chose travel in the context.
                        chain.Apply(rows, r, q, g, currentTokens.AsSpan(b * numBeams, g * groupSize));
                        if (rowAlternatives is not null)
                        {
                            rowAlternatives[r] = alternatives.Build(q);
                        }
                    }
                }

                for (int b = 0; b < batch; b++)
                {
                    int first = b * numBeams + g * groupSize;
                    var pool = pools[b * groups + g];
                    if (done[b * groups + g])
                    {
                        // A finished prompt keeps running on pad tokens with score 0; those rows never reach the output.
                        for (int j = 0; j < groupSize; j++)
                        {
                            int r = first + j;
                            nextScores[r] = 0;
                            nextTokens[r] = context.PadTokenId;
                            sources[r] = first;
                            stepScores[r] = 0;
                            stepLogprobs[r] = 0;
                            currentTokens[r] = context.PadTokenId;
                        }

                        continue;
                    }

                    var acc = accumulated.AsSpan();
                    for (int j = 0; j < groupSize; j++)
                    {
                        System.Numerics.Tensors.TensorPrimitives.Add(processed.AsSpan((first + j) * vocab, vocab), beamScores[first + j], acc.Slice(j * vocab, vocab));
                    }

                    SelectCandidates(acc, sample ? context.Random : null, weights, candidateIds, candidateScores);

                    int beam = 0;
                    for (int rank = 0; rank < candidateIds.Length && beam < groupSize; rank++)
                    {
                        int source = first + candidateIds[rank] / vocab;
                        int token = candidateIds[rank] % vocab;
                        if (eos.AsSpan().Contains(token))
                        {
                            if (rank >= groupSize)
                            {
                                continue;
                            }

                            // The hypothesis is stored without its EOS; the output writes EOS[0] after it, so that is the
                            // token whose scores the trace records for this position.
                            int written = eos[0];
                            var trace = history.Snapshot(source, (source, processed[source * vocab + written],
                                logits[source * vocab + written] - logSumExp[source], rowAlternatives?[source]));
                            pool.Add(rows.Row(source).ToArray(), candidateScores[rank], currentLength + 1 - promptLength, trace, FinishReason.EndOfSequence);
                        }
                        else
                        {
                            int r = first + beam;
                            nextScores[r] = candidateScores[rank];
                            nextTokens[r] = token;
                            sources[r] = source;
                            stepScores[r] = processed[source * vocab + token];
                            stepLogprobs[r] = logits[source * vocab + token] - logSumExp[source];
                            currentTokens[r] = token;
                            beam++;
                        }
                    }

                    if (beam < groupSize)
                    {
                        throw new InvalidOperationException(
                            $"Beam search found only {beam} of {groupSize} continuations that are not EOS for prompt {b}; every other candidate was an EOS id.");
                    }

                    double best = ScoreMath.Max(candidateScores);
                    done[b * groups + g] = pool.IsDone(best, currentLength + 1, promptLength);
                }
            }

            if (stepAlternatives is not null)
            {
                for (int r = 0; r < n; r++)
                {
                    stepAlternatives[r] = rowAlternatives![sources[r]];
                }
            }

            history.Advance(sources, stepScores, stepLogprobs, stepAlternatives);
            Array.Copy(nextScores, beamScores, n);
            rows.Reorder(sources);
            rows.Append(nextTokens);
            session.Reorder(sources);

            if (Array.TrueForAll(done, d => d))
            {
                break;
            }

            // Hugging Face stops beam search on its criteria only when they hold for every row at once.
            bool allStopped = true;
            for (int r = 0; r < n && allStopped; r++)
            {
                rowReasons[r] = stopping.Check(rows.Row(r), promptLength, maxLength, r);
                allStopped = rowReasons[r] != FinishReason.None;
            }

            if (allStopped)
            {
                endedBy = rows.Length >= maxLength ? FinishReason.Length : FinishReason.None;
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            rows.WriteLastColumn(tokens, positions, mask);
            session.Forward(tokens.AsSpan(0, n), positions.AsSpan(0, n), mask.AsSpan(0, n), logits);
        }

        // Prompts still open add their running beams, scored over every generated position.
        for (int i = 0; i < pools.Length; i++)
        {
            if (done[i])
            {
                continue;
            }

            int b = i / groups;
            int g = i % groups;
            for (int j = 0; j < groupSize; j++)
            {
                int r = b * numBeams + g * groupSize + j;
                var reason = endedBy != FinishReason.None ? endedBy : rowReasons[r];
                pools[i].Add(rows.Row(r).ToArray(), beamScores[r], rows.Length - promptLength, history.Snapshot(r), reason);
            }
        }

        return BeamOutput.Build(context, pools, groups, promptLength);
    }

    /// <summary>The candidates of one prompt (and group), best first: the top <c>k</c> accumulated scores, or (beam sampling)
    /// <c>k</c> draws without replacement from <c>softmax(acc)</c> sorted by their accumulated score.</summary>
    private static void SelectCandidates(ReadOnlySpan<float> accumulated, Random? random, Span<double> weights, int[] ids, float[] scores)
    {
        if (random is null)
        {
            ScoreMath.TopK(accumulated, ids, scores);
            return;
        }

        NonFiniteScores.CheckSamplingInput(accumulated);
        ScoreMath.DrawWithoutReplacement(accumulated, random, ids, weights);
        for (int i = 0; i < ids.Length; i++)
        {
            scores[i] = accumulated[ids[i]];
        }

        // Stable sort by score, descending (insertion sort: k is small).
        for (int i = 1; i < ids.Length; i++)
        {
            int id = ids[i];
            float s = scores[i];
            int j = i - 1;
            while (j >= 0 && scores[j] < s)
            {
                ids[j + 1] = ids[j];
                scores[j + 1] = scores[j];
                j--;
            }

            ids[j + 1] = id;
            scores[j + 1] = s;
        }
    }
}
