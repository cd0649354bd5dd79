using Gpt2Kit.Decoding;
using Gpt2Kit.Decoding.Search;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Tests.Decoding.Doubles;

namespace Gpt2Kit.Tests.Reliability;

/// <summary>NaN and infinite scores are found at the step they appear and fail the request with the row, step and source;
/// no token is ever chosen from them.</summary>
public sealed class NonFiniteScoresTests
{
    private const int Vocab = 40;

    [Theory]
    [InlineData(1, 0)]
    [InlineData(7, 6)]
    [InlineData(33, 31)]
    [InlineData(50257, 50256)]
    [InlineData(50257, 17)]
    public void The_scan_finds_the_first_NaN_at_any_position_of_any_length(int length, int at)
    {
        var values = Enumerable.Range(0, length).Select(i => (float)Math.Sin(i)).ToArray();
        values[^1] = float.NegativeInfinity;
        NonFiniteScores.IndexOfNaNOrPositiveInfinity(values, rejectPositiveInfinity: true).Should().Be(-1, "−∞ is how processors filter");

        values[at] = float.NaN;
        NonFiniteScores.IndexOfNaNOrPositiveInfinity(values, rejectPositiveInfinity: false).Should().Be(at);
        values[at] = float.PositiveInfinity;
        NonFiniteScores.IndexOfNaNOrPositiveInfinity(values, rejectPositiveInfinity: false).Should().Be(-1, "+∞ is allowed after the chain");
        NonFiniteScores.IndexOfNaNOrPositiveInfinity(values, rejectPositiveInfinity: true).Should().Be(at);
    }

    [Theory]
    [InlineData("greedy")]
    [InlineData("sample")]
    [InlineData("beam")]
    [InlineData("contrastive")]
    public async Task NaN_logits_from_the_model_fail_the_request_at_that_step_in_every_strategy(string strategy)
    {
        // Row 1's history reaches 5 tokens at step 2 (prompt of 3): the model's logits for it are NaN there.
        var model = new FakeLanguageModel(Vocab, history => history.Count == 5 && history[0].Token == 2
            ? Enumerable.Repeat(float.NaN, Vocab).ToArray()
            : FakeLanguageModel.HashedLogits(history, Vocab));
        var generator = TextGenerator.Create(model, Gpt2Tokenizer.Default);
        var options = new GenerationOptions { MaxNewTokens = 6, NumBeams = strategy == "beam" ? 2 : 1, PenaltyAlpha = strategy == "contrastive" ? 0.6 : null, TopK = strategy == "contrastive" ? 4 : null, DoSample = strategy == "sample", Seed = 1 };
        var request = GenerationRequest.FromIds([[1, 5, 9], [2, 5, 9]], options);

        var act = () => generator.GenerateAsync(request);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should()
            .StartWith("the model produced NaN logits (row ").And.Contain("step 2, token id 0)");
    }

    [Fact]
    public async Task A_temperature_that_makes_scores_infinite_raises_when_sampling_as_hugging_face_does()
    {
        var model = new FakeLanguageModel(Vocab, history => FakeLanguageModel.HashedLogits(history, Vocab));
        var generator = TextGenerator.Create(model, Gpt2Tokenizer.Default);
        var options = new GenerationOptions { MaxNewTokens = 2, DoSample = true, Temperature = 1e-40, TopK = 0, Seed = 3 };

        var act = () => generator.GenerateAsync(GenerationRequest.FromIds([[1, 2, 3]], options));

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should()
            .StartWith("cannot sample: the score of token id ").And.Contain("is +Infinity (probability tensor contains inf or nan)");
    }

    [Fact]
    public async Task Greedy_decoding_keeps_taking_the_argmax_of_infinite_scores()
    {
        var model = new FakeLanguageModel(Vocab, history => FakeLanguageModel.HashedLogits(history, Vocab));
        var generator = TextGenerator.Create(model, Gpt2Tokenizer.Default);
        var biased = new GenerationOptions { MaxNewTokens = 2, SequenceBias = [new SequenceBias([4], double.PositiveInfinity)] };

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[1, 2, 3]], biased));

        result.Sequences[0][3..].Should().Equal(4, 4);
    }
}
