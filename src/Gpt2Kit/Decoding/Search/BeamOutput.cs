namespace Gpt2Kit.Decoding.Search;

/// <summary>Hugging Face <c>BeamSearchScorer.finalize</c> and <c>compute_transition_scores</c> for beam modes: per prompt
/// the best <c>num_return_sequences</c> hypotheses of all its groups; width <c>min(longest + 1, max_length)</c>; a shorter
/// hypothesis gets EOS[0] right after it, then pad.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class BeamOutput
{
    public static GenerationResult Build(SearchContext context, BeamHypothesisPool[] pools, int groups, int promptLength)
    {
        int returns = context.Options.NumReturnSequences;
        int batch = pools.Length / groups;
        var chosen = new List<BeamHypothesis>(batch * returns);
        for (int b = 0; b < batch; b++)
        {
            var candidates = new List<BeamHypothesis>();
            for (int g = 0; g < groups; g++)
            {
                candidates.AddRange(pools[b * groups + g].Items);
            }

            // Python: sorted(key=score) is stable and pop() takes from the end, so among equal scores the later one wins.
            var sorted = candidates.Select((h, i) => (h, i)).OrderBy(x => x.h.Score).ThenBy(x => x.i).Select(x => x.h).ToList();
            for (int j = 0; j < returns; j++)
            {
                chosen.Add(sorted[^(j + 1)]);
            }
        }

        int longest = chosen.Max(h => h.Tokens.Length);
        int width = Math.Min(longest + 1, context.MaxLength);
        int steps = width - promptLength;
        int after = context.EosTokenIds.Length > 0 ? context.EosTokenIds[0] : context.PadTokenId;
        bool alternatives = chosen.Any(h => h.Trace.Alternatives is not null);

        var sequences = new int[chosen.Count][];
        var transition = new float[chosen.Count][];
        var logprobs = new float[chosen.Count][];
        var beamIndices = new int[chosen.Count][];
        var scores = new float[chosen.Count];
        var reasons = new FinishReason[chosen.Count];
        var alternativeRows = alternatives ? new IReadOnlyList<TokenAlternative[]>[chosen.Count] : null;
        for (int i = 0; i < chosen.Count; i++)
        {
            var h = chosen[i];
            var sequence = new int[width];
            Array.Fill(sequence, context.PadTokenId);
            h.Tokens.AsSpan(0, Math.Min(h.Tokens.Length, width)).CopyTo(sequence);
            if (h.Tokens.Length < width)
            {
                sequence[h.Tokens.Length] = after;
            }

            sequences[i] = sequence;
            scores[i] = (float)h.Score;
            reasons[i] = h.Reason;
            transition[i] = new float[steps];
            logprobs[i] = new float[steps];
            beamIndices[i] = new int[steps];
            Array.Fill(beamIndices[i], -1);
            int recorded = Math.Min(steps, h.Trace.BeamIndices.Length);
            h.Trace.BeamIndices.AsSpan(0, recorded).CopyTo(beamIndices[i]);
            h.Trace.Scores.AsSpan(0, recorded).CopyTo(transition[i]);
            h.Trace.Logprobs.AsSpan(0, recorded).CopyTo(logprobs[i]);
            if (alternativeRows is not null)
            {
                var row = new TokenAlternative[steps][];
                for (int t = 0; t < steps; t++)
                {
                    row[t] = (t < recorded ? h.Trace.Alternatives?[t] : null) ?? [];
                }

                alternativeRows[i] = row;
            }
        }

        return new GenerationResult
        {
            Sequences = sequences,
            PromptLength = promptLength,
            TransitionScores = transition,
            TokenLogprobs = logprobs,
            SequenceScores = scores,
            BeamIndices = beamIndices,
            FinishReasons = reasons,
            Alternatives = alternativeRows,
            Processors = context.ProcessorNames,
        };
    }
}
