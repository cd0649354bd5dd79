using Gpt2Kit.Decoding;
using Gpt2Kit.Tests.Decoding.Doubles;

namespace Gpt2Kit.Tests.Decoding;

public class OutputsTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(3, false)]
    public async Task Top_alternatives_list_the_best_processed_scores_with_their_log_softmax(int beams, bool sample)
    {
        var generator = FakeGenerators.Generator(FakeGenerators.Hashed());
        var options = new GenerationOptions { MaxNewTokens = 4, NumBeams = beams, DoSample = sample, Seed = 3, TopK = 0, Temperature = sample ? 0.5 : 1, TopAlternatives = 5 };

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[5, 9]], options));

        var alternatives = result.Alternatives.Should().NotBeNull().And.ContainSingle().Subject;
        alternatives.Should().HaveCount(4);
        var sequence = result.Sequences[0];
        for (int t = 0; t < 4; t++)
        {
            var prefix = sequence.Take(2 + t).ToArray();
            var raw = FakeLanguageModel.HashedLogits(Reference.History(prefix), FakeGenerators.SmallVocab);
            float[] processed = beams > 1
                ? Reference.LogSoftmax(raw).Select(v => (float)v).ToArray()
                : raw.Select(v => sample ? (float)(v / 0.5) : v).ToArray();
            var expectedIds = Enumerable.Range(0, processed.Length).OrderByDescending(i => processed[i]).Take(5).ToArray();
            var logSoftmax = Reference.LogSoftmax(processed);

            alternatives[t].Select(a => a.TokenId).Should().Equal(expectedIds, $"step {t}");
            alternatives[t].Select(a => a.Score).Should().Equal(expectedIds.Select(i => processed[i]), (a, b) => Math.Abs(a - b) < 1e-4, $"step {t}");
            alternatives[t].Select(a => (double)a.Logprob).Should().Equal(expectedIds.Select(i => logSoftmax[i]), (a, b) => Math.Abs(a - b) < 1e-4);
            alternatives[t].Should().OnlyContain(a => a.Text != null);
            if (!sample)
            {
                alternatives[t][0].TokenId.Should().Be(sequence[2 + t], "greedy takes the first alternative");
            }
        }
    }

    [Fact]
    public async Task Max_time_stops_every_row_with_the_time_reason()
    {
        var generator = FakeGenerators.Generator(FakeGenerators.Hashed());

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[5, 9], [4]], new GenerationOptions { MaxNewTokens = 30, MaxTime = 1e-9 }));

        result.Sequences.Should().OnlyContain(s => s.Length == 3, "at least one step always runs, then the budget is spent");
        result.FinishReasons.Should().Equal(FinishReason.Time, FinishReason.Time);
    }

    [Fact]
    public async Task Min_new_tokens_holds_back_eos_and_is_counted_from_the_padded_prompt()
    {
        // EOS (token 0) is the most likely token everywhere; min_new_tokens = 3 delays it to the fourth new token.
        var model = new FakeLanguageModel(FakeGenerators.SmallVocab, h =>
        {
            var logits = FakeLanguageModel.HashedLogits(h, FakeGenerators.SmallVocab);
            logits[0] = 10;
            return logits;
        }, eos: [0]);
        var generator = FakeGenerators.Generator(model);

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[5, 9, 4], [7]], new GenerationOptions { MaxNewTokens = 8, MinNewTokens = 3 }));

        result.Processors.Should().Equal("min_length", "min_new_tokens");
        foreach (var sequence in result.Sequences)
        {
            sequence.Skip(3).Take(3).Should().NotContain(0);
            sequence[6].Should().Be(0);
        }

        result.FinishReasons.Should().Equal(FinishReason.EndOfSequence, FinishReason.EndOfSequence);
        result.Sequences[0].Length.Should().Be(7, "generation stops once every row is finished");
    }
}
