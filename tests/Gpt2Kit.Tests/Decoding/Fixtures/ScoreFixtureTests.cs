using Gpt2Kit.Decoding;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Tests.Decoding.Fixtures;

/// <summary><c>tests/fixtures/score.json</c> and the <c>score</c> cases of <c>demo.json</c>: the log-probability of a
/// continuation, per token and summed, within 1e-4.</summary>
public class ScoreFixtureTests
{
    public static TheoryData<int> Cases() => FixtureCases.ScoreRows();

    public static TheoryData<int> DemoCases() => FixtureCases.DemoScoreRows();

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Scores_match_the_reference(int index) => Check(FixtureCases.Score[index]);

    [Theory]
    [MemberData(nameof(DemoCases))]
    public Task Scores_on_the_demo_checkpoint_match_the_reference(int index) => Check(FixtureCases.DemoScore[index]);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Alternatives_list_each_positions_most_likely_tokens_with_the_same_logprobs(int index)
    {
        var item = FixtureCases.Score[index];
        var generator = ReferenceModels.Generator(item.Checkpoint);

        var score = await generator.ScoreAsync(item.InputIds, item.Continuation, topAlternatives: 5);

        FixtureAssert.CloseValues(score.TokenLogprobs, item.TokenLogprobs, "token_logprobs");
        score.Alternatives.Should().HaveCount(item.Continuation.Length);
        for (int i = 0; i < item.Continuation.Length; i++)
        {
            var top = score.Alternatives![i];
            top.Should().HaveCount(5);
            top.Select(a => a.Logprob).Should().BeInDescendingOrder();
            top.Should().OnlyContain(a => Math.Abs(a.Logprob - a.Score - (top[0].Logprob - top[0].Score)) < 1e-4, "every logprob is its logit less one log-sum-exp");

            // The continuation's own token, where it is among the most likely, carries the logprob it is scored with.
            if (top.FirstOrDefault(a => a.TokenId == item.Continuation[i]) is { } own)
            {
                own.Logprob.Should().BeApproximately(score.TokenLogprobs[i], 1e-5f);
            }
            else
            {
                score.TokenLogprobs[i].Should().BeLessThanOrEqualTo(top[^1].Logprob);
            }
        }
    }

    [Fact]
    public async Task A_negative_alternative_count_is_refused_with_the_options_range()
    {
        var item = FixtureCases.Score[0];
        var generator = ReferenceModels.Generator(item.Checkpoint);

        var error = await FluentActions.Awaiting(() => generator.ScoreAsync(item.InputIds, item.Continuation, topAlternatives: -1))
            .Should().ThrowAsync<GenerationConfigurationException>();
        error.Which.Message.Should().Contain("top_alternatives").And.Contain("-1");
    }

    private static async Task Check(ScoreCase item)
    {
        var generator = ReferenceModels.Generator(item.Checkpoint);

        var score = await generator.ScoreAsync(item.InputIds, item.Continuation);

        score.SumLogprob.Should().BeApproximately(item.Logprob, FixtureAssert.Tolerance);
        FixtureAssert.CloseValues(score.TokenLogprobs, item.TokenLogprobs, "token_logprobs");
    }
}
