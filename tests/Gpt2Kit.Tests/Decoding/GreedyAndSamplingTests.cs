using Gpt2Kit.Decoding;
using Gpt2Kit.Tests.Decoding.Doubles;

namespace Gpt2Kit.Tests.Decoding;

public class GreedyAndSamplingTests
{
    private const int Vocab = FakeGenerators.SmallVocab;

    [Fact]
    public async Task Greedy_takes_the_most_likely_token_and_reports_its_scores()
    {
        var model = FakeGenerators.Hashed();
        var generator = FakeGenerators.Generator(model);

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[5, 9, 2]], new GenerationOptions { MaxNewTokens = 6 }));

        var tokens = new List<int> { 5, 9, 2 };
        var expectedScores = new List<float>();
        var expectedLogprobs = new List<double>();
        for (int step = 0; step < 6; step++)
        {
            var logits = FakeLanguageModel.HashedLogits(Reference.History(tokens), Vocab);
            int next = Reference.ArgMax(logits);
            expectedScores.Add(logits[next]);
            expectedLogprobs.Add(Reference.LogSoftmax(logits)[next]);
            tokens.Add(next);
        }

        result.Sequences.Should().ContainSingle().Which.Should().Equal(tokens);
        result.PromptLength.Should().Be(3);
        result.TransitionScores[0].Should().Equal(expectedScores, "greedy scores are the processed logits (no processors here)");
        result.TokenLogprobs[0].Select(v => (double)v).Should().Equal(expectedLogprobs, (a, b) => Math.Abs(a - b) < 1e-5);
        result.FinishReasons.Should().Equal(FinishReason.Length);
        result.SequenceScores.Should().BeNull();
        result.BeamIndices.Should().BeNull();
    }

    [Fact]
    public async Task A_left_padded_batch_generates_what_each_prompt_generates_alone()
    {
        var generator = FakeGenerators.Generator(FakeGenerators.Hashed(eos: [63]));
        var prompts = new[] { new[] { 5, 9, 2, 7 }, new[] { 11 }, new[] { 3, 4 } };
        var options = new GenerationOptions { MaxNewTokens = 5 };

        var batch = await generator.GenerateAsync(GenerationRequest.FromIds(prompts, options));

        batch.PromptLength.Should().Be(4);
        for (int i = 0; i < prompts.Length; i++)
        {
            var alone = await generator.GenerateAsync(GenerationRequest.FromIds([prompts[i]], options));
            int padding = 4 - prompts[i].Length;
            batch.Sequences[i].Take(padding).Should().AllBeEquivalentTo(63, "padding is the pad id (= first EOS)");
            var generatedAlone = alone.Sequences[0].Skip(prompts[i].Length).ToArray();
            var generatedInBatch = batch.Sequences[i].Skip(4).Take(generatedAlone.Length).ToArray();
            generatedInBatch.Should().Equal(generatedAlone, $"row {i} must not see its padding");
            batch.TransitionScores[i].Take(generatedAlone.Length).Should().Equal(alone.TransitionScores[0]);
        }
    }

    [Fact]
    public async Task Finished_rows_are_filled_with_pad_and_keep_their_finish_reason()
    {
        // Token 7 is EOS and the script makes the second row choose it at once.
        var model = new FakeLanguageModel(Vocab, h =>
        {
            var logits = new float[Vocab];
            logits[h[0].Token == 1 ? 7 : 20 + h.Count] = 10;
            return logits;
        }, eos: [7, 8]);
        var generator = FakeGenerators.Generator(model);

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[2, 3], [1, 3]], new GenerationOptions { MaxNewTokens = 4, PadTokenId = 9 }));

        result.Sequences[0].Should().Equal(2, 3, 22, 23, 24, 25);
        result.Sequences[1].Should().Equal(1, 3, 7, 9, 9, 9);
        result.FinishReasons.Should().Equal(FinishReason.Length, FinishReason.EndOfSequence);
        result.Texts[1].Should().Be("(", "the EOS id 7 is the character '('; the pads after it are not part of the row");
    }

    [Fact]
    public async Task Sampling_with_a_seed_gives_the_same_tokens_on_every_run_and_thread()
    {
        var generator = FakeGenerators.Generator(FakeGenerators.Hashed(scale: 1f));
        GenerationRequest Request(long seed) => GenerationRequest.FromIds([[5, 9], [3]],
            new GenerationOptions { DoSample = true, TopK = 0, MaxNewTokens = 12, NumReturnSequences = 3, Seed = seed });

        var first = await generator.GenerateAsync(Request(2024));
        var parallel = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => generator.GenerateAsync(Request(2024)))));
        var other = await generator.GenerateAsync(Request(7));

        first.Sequences.Should().HaveCount(6);
        foreach (var run in parallel)
        {
            run.Sequences.Should().BeEquivalentTo(first.Sequences, o => o.WithStrictOrdering());
            run.TransitionScores.Should().BeEquivalentTo(first.TransitionScores, o => o.WithStrictOrdering());
        }

        other.Sequences.Should().NotBeEquivalentTo(first.Sequences, o => o.WithStrictOrdering(), "another seed draws other tokens");
        first.Sequences[0].Should().NotEqual(first.Sequences[1], "return sequences of one prompt are drawn independently");
    }

    [Fact]
    public async Task Sampled_frequencies_match_the_processed_distribution()
    {
        // One step, 6000 rows: temperature 0.7 then top-k 8 over a fixed logits row.
        var generator = FakeGenerators.Generator(FakeGenerators.Hashed(scale: 2f));
        const int draws = 6000;
        var options = new GenerationOptions { DoSample = true, Temperature = 0.7, TopK = 8, MaxNewTokens = 1, NumReturnSequences = draws, Seed = 11 };

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[5]], options));

        var logits = FakeLanguageModel.HashedLogits(Reference.History([5]), Vocab, scale: 2f);
        var top8 = Enumerable.Range(0, Vocab).OrderByDescending(i => logits[i]).Take(8).ToArray();
        var warped = new float[Vocab];
        Array.Fill(warped, float.NegativeInfinity);
        foreach (var i in top8)
        {
            warped[i] = (float)(logits[i] / 0.7);
        }

        var expected = Reference.Softmax(warped);
        var counts = new int[Vocab];
        foreach (var sequence in result.Sequences)
        {
            counts[sequence[1]]++;
        }

        counts.Where((_, i) => !top8.Contains(i)).Should().AllBeEquivalentTo(0, "top-k removed every other token");
        double chiSquare = top8.Sum(i => Math.Pow(counts[i] - draws * expected[i], 2) / (draws * expected[i]));
        chiSquare.Should().BeLessThan(24.32, "chi-square with 7 degrees of freedom stays below its 0.1% critical value");
        result.Processors.Should().Equal("temperature", "top_k");
    }

    [Fact]
    public async Task Contrastive_search_without_penalty_is_greedy()
    {
        var model = FakeGenerators.Hashed();
        var generator = FakeGenerators.Generator(model);
        var prompts = new[] { new[] { 5, 9, 2 }, new[] { 4 } };

        var greedy = await generator.GenerateAsync(GenerationRequest.FromIds(prompts, new GenerationOptions { MaxNewTokens = 6 }));
        var contrastive = await generator.GenerateAsync(GenerationRequest.FromIds(prompts,
            new GenerationOptions { MaxNewTokens = 6, Strategy = "contrastive", PenaltyAlpha = 0, TopK = 5 }));

        contrastive.Sequences.Should().BeEquivalentTo(greedy.Sequences, o => o.WithStrictOrdering());
        contrastive.TransitionScores.Should().BeEquivalentTo(greedy.TransitionScores, o => o.WithStrictOrdering());
        model.Sessions.Should().Contain((2 * 5, 3 + 6), "contrastive search runs prompts × top_k rows");
    }

    [Fact]
    public async Task Contrastive_search_picks_the_candidate_least_like_its_context()
    {
        // Hidden states: token t maps to a unit vector at angle t; candidates 10 and 11 are equally likely,
        // and the context holds token 10's direction, so a full penalty (alpha = 1) prefers 11.
        float[] Logits(IReadOnlyList<(int Token, int Position)> h)
        {
            var logits = new float[Vocab];
            logits[10] = 5;
            logits[11] = 5;
            return logits;
        }

        float[] Hidden(IReadOnlyList<(int Token, int Position)> h) =>
            [MathF.Cos(h[^1].Token), MathF.Sin(h[^1].Token), 0, 0];

        var generator = FakeGenerators.Generator(new FakeLanguageModel(Vocab, Logits, Hidden));

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[10]],
            new GenerationOptions { MaxNewTokens = 1, PenaltyAlpha = 1.0, TopK = 2 }));

        result.Sequences[0].Should().Equal(10, 11);
    }
}
