using Gpt2Kit.Decoding;
using Gpt2Kit.Tests.Decoding.Doubles;

namespace Gpt2Kit.Tests.Decoding;

public class BeamSearchTests
{
    [Fact]
    public async Task With_enough_beams_beam_search_returns_the_exact_best_sequences()
    {
        // 4 tokens, 3 steps: 16 beams hold every prefix, so the 16 returned sequences are the best 16 of all 64.
        const int vocab = 4;
        var generator = FakeGenerators.Generator(FakeGenerators.Hashed(vocab: vocab));
        var options = new GenerationOptions { MaxNewTokens = 3, NumBeams = 16, NumReturnSequences = 16, LengthPenalty = 1.0 };

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[2, 1]], options));

        var all = new List<(int[] Tokens, double Sum)>();
        foreach (var a in Enumerable.Range(0, vocab))
        foreach (var b in Enumerable.Range(0, vocab))
        foreach (var c in Enumerable.Range(0, vocab))
        {
            var tokens = new[] { 2, 1, a, b, c };
            double sum = 0;
            for (int t = 2; t < 5; t++)
            {
                sum += Reference.LogSoftmax(FakeLanguageModel.HashedLogits(Reference.History(tokens[..t]), vocab))[tokens[t]];
            }

            all.Add((tokens, sum));
        }

        var best = all.OrderByDescending(x => x.Sum).Take(16).ToList();
        result.Sequences.Should().HaveCount(16);
        for (int i = 0; i < 16; i++)
        {
            result.Sequences[i].Should().Equal(best[i].Tokens, $"rank {i}");
            result.SequenceScores![i].Should().BeApproximately((float)(best[i].Sum / 3), 1e-4f, "the score is sum / generated length ^ 1");
            result.TransitionScores[i].Sum().Should().BeApproximately((float)best[i].Sum, 1e-4f, "per-step log-probs add up to the beam's sum");
            result.TokenLogprobs[i].Should().Equal(result.TransitionScores[i], (a, b) => Math.Abs(a - b) < 1e-5, "no processors: processed = raw log-softmax");
            result.BeamIndices![i].Should().OnlyContain(index => index >= 0 && index < 16);
        }

        result.FinishReasons.Should().AllBeEquivalentTo(FinishReason.Length);
    }

    [Fact]
    public async Task Beam_indices_name_the_row_that_produced_each_token()
    {
        const int vocab = 16;
        var generator = FakeGenerators.Generator(FakeGenerators.Hashed(vocab: vocab));
        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[3, 4], [5]],
            new GenerationOptions { MaxNewTokens = 4, NumBeams = 3, NumReturnSequences = 3 }));

        // Replay every returned sequence: the transition score at step t must be the log-softmax of the sequence's own
        // prefix at its token, and the beam index must be a row of its own prompt.
        for (int i = 0; i < result.Sequences.Count; i++)
        {
            int prompt = i / 3;
            var sequence = result.Sequences[i];
            int padding = prompt == 1 ? 1 : 0;
            for (int t = 0; t < 4; t++)
            {
                var prefix = sequence.Skip(padding).Take(2 - padding + t).ToArray();
                double expected = Reference.LogSoftmax(FakeLanguageModel.HashedLogits(Reference.History(prefix), vocab))[sequence[2 + t]];
                result.TransitionScores[i][t].Should().BeApproximately((float)expected, 1e-4f);
                result.BeamIndices![i][t].Should().BeInRange(prompt * 3, prompt * 3 + 2);
            }
        }
    }

    [Fact]
    public async Task Hypotheses_that_end_with_eos_are_followed_by_the_first_eos_then_pad()
    {
        // After the prompt, token 8 (the second EOS id) is likely; other histories favour ordinary tokens.
        const int vocab = 16;
        var model = new FakeLanguageModel(vocab, h =>
        {
            var logits = FakeLanguageModel.HashedLogits(h, vocab, scale: 1f);
            if (h.Count == 2)
            {
                logits[8] = 4;
                logits[7] = -10;
            }

            return logits;
        }, eos: [7, 8]);
        var generator = FakeGenerators.Generator(model);

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[3, 4]],
            new GenerationOptions { MaxNewTokens = 5, NumBeams = 2, NumReturnSequences = 2, PadTokenId = 9, LengthPenalty = 0 }));

        var ended = result.Sequences.Select((s, i) => (s, i)).Single(x => x.s[2] == 7);
        ended.s.Should().Equal(3, 4, 7, 9, 9, 9, 9);
        result.FinishReasons[ended.i].Should().Be(FinishReason.EndOfSequence);
        result.BeamIndices![ended.i].Should().Equal(0, -1, -1, -1, -1);
        result.TransitionScores[ended.i].Skip(1).Should().AllBeEquivalentTo(0f, "positions past a hypothesis score 0");

        // The finished hypothesis is scored with the EOS that ended it (length penalty 0: the plain sum).
        double eosLogprob = Reference.LogSoftmax(FakeLanguageModel.HashedLogits(Reference.History([3, 4]), vocab, scale: 1f)
            .Select((v, i) => i == 8 ? 4f : i == 7 ? -10f : v).ToArray())[8];
        result.SequenceScores![ended.i].Should().BeApproximately((float)eosLogprob, 1e-4f);
        result.Texts[ended.i].Should().Be("(", "the written EOS[0] (id 7) is the character '('");
    }

    [Fact]
    public async Task Early_stopping_true_stops_as_soon_as_every_prompt_has_num_beams_hypotheses()
    {
        // EOS (token 0) is the most likely token after every history.
        const int vocab = 16;
        var model = new FakeLanguageModel(vocab, h =>
        {
            var logits = FakeLanguageModel.HashedLogits(h, vocab, scale: 0.5f);
            logits[0] = 6;
            return logits;
        }, eos: [0]);
        var generator = FakeGenerators.Generator(model);

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[3, 4]],
            new GenerationOptions { MaxNewTokens = 8, NumBeams = 2, EarlyStopping = EarlyStopping.True }));

        // Step 1: beam 0's EOS closes one hypothesis; step 2: the two beams' EOS candidates close two more.
        model.ForwardCalls.Should().Be(2);
        result.Sequences[0].Length.Should().BeLessThanOrEqualTo(4 + 1);
        result.FinishReasons[0].Should().Be(FinishReason.EndOfSequence);
    }

    [Fact]
    public async Task Group_beam_search_with_a_negligible_penalty_repeats_plain_beam_search_in_every_group()
    {
        var generator = FakeGenerators.Generator(FakeGenerators.Hashed(vocab: 32));
        var prompt = new[] { new[] { 3, 4, 5 } };

        var beam = await generator.GenerateAsync(GenerationRequest.FromIds(prompt,
            new GenerationOptions { MaxNewTokens = 5, NumBeams = 2, NumReturnSequences = 2 }));
        var groups = await generator.GenerateAsync(GenerationRequest.FromIds(prompt,
            new GenerationOptions { MaxNewTokens = 5, NumBeams = 4, NumBeamGroups = 2, DiversityPenalty = 1e-7, NumReturnSequences = 4 }));

        groups.Processors.Should().Equal("hamming_diversity");
        var expected = beam.Sequences.SelectMany(s => new[] { s, s }).ToList();
        groups.Sequences.Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
        groups.SequenceScores.Should().Equal(beam.SequenceScores!.SelectMany(s => new[] { s, s }), (a, b) => Math.Abs(a - b) < 1e-4);
        for (int pair = 0; pair < 2; pair++)
        {
            // One copy comes from group 0 (rows 0-1), the other from group 1, which reports its global rows 2-3.
            var first = groups.BeamIndices![2 * pair];
            var second = groups.BeamIndices![2 * pair + 1];
            new[] { first.All(i => i < 2), second.All(i => i < 2) }.Should().BeEquivalentTo([true, false]);
            new[] { first.All(i => i is >= 2 and < 4), second.All(i => i is >= 2 and < 4) }.Should().BeEquivalentTo([false, true]);
        }
    }

    [Fact]
    public async Task A_strong_diversity_penalty_makes_groups_start_differently()
    {
        var generator = FakeGenerators.Generator(FakeGenerators.Hashed(vocab: 32));

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[3, 4, 5]],
            new GenerationOptions { MaxNewTokens = 3, NumBeams = 4, NumBeamGroups = 4, DiversityPenalty = 100, NumReturnSequences = 4 }));

        result.Sequences.Select(s => s[3]).Should().OnlyHaveUniqueItems("each group is pushed off the first tokens of the earlier groups");
    }

    [Fact]
    public async Task Beam_sampling_is_reproducible_and_with_top_k_1_reduces_to_beam_search()
    {
        // Top-k 1 keeps #EOS + 1 = 2 tokens per row; with 2 beams all 4 survivors are drawn, so the walk sees the same
        // two best candidates as beam search.
        const int vocab = 16;
        var generator = FakeGenerators.Generator(FakeGenerators.Hashed(vocab: vocab));
        var prompt = new[] { new[] { 3, 4 }, new[] { 6 } };

        var beam = await generator.GenerateAsync(GenerationRequest.FromIds(prompt, new GenerationOptions { MaxNewTokens = 4, NumBeams = 2 }));
        var narrow = await generator.GenerateAsync(GenerationRequest.FromIds(prompt,
            new GenerationOptions { MaxNewTokens = 4, NumBeams = 2, DoSample = true, TopK = 1, Seed = 5 }));
        GenerationRequest Wide() => GenerationRequest.FromIds(prompt,
            new GenerationOptions { MaxNewTokens = 4, NumBeams = 3, DoSample = true, Seed = 5, NumReturnSequences = 3 });
        var wide1 = await generator.GenerateAsync(Wide());
        var wide2 = await generator.GenerateAsync(Wide());

        narrow.Processors.Should().Equal("top_k");
        narrow.Sequences.Should().BeEquivalentTo(beam.Sequences, o => o.WithStrictOrdering());
        narrow.SequenceScores.Should().Equal(beam.SequenceScores!, (a, b) => Math.Abs(a - b) < 1e-5);
        wide1.Sequences.Should().BeEquivalentTo(wide2.Sequences, o => o.WithStrictOrdering());
        wide1.SequenceScores.Should().Equal(wide2.SequenceScores!);
    }
}
