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

    private static async Task Check(ScoreCase item)
    {
        var generator = ReferenceModels.Generator(item.Checkpoint);

        var score = await generator.ScoreAsync(item.InputIds, item.Continuation);

        score.SumLogprob.Should().BeApproximately(item.Logprob, FixtureAssert.Tolerance);
        FixtureAssert.CloseValues(score.TokenLogprobs, item.TokenLogprobs, "token_logprobs");
    }
}
