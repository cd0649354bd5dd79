using Gpt2Kit.Testing;

namespace Gpt2Kit.Tests.Decoding.Fixtures;

/// <summary><c>tests/fixtures/score.json</c>: the log-probability of a continuation, per token and summed, within 1e-4.</summary>
public class ScoreFixtureTests
{
    public static TheoryData<int> Cases() => FixtureCases.ScoreRows();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Scores_match_the_reference(int index)
    {
        var item = FixtureCases.Score[index];
        var generator = ReferenceModels.Generator(item.Checkpoint);

        var score = await generator.ScoreAsync(item.InputIds, item.Continuation);

        score.SumLogprob.Should().BeApproximately(item.Logprob, FixtureAssert.Tolerance);
        FixtureAssert.CloseValues(score.TokenLogprobs, item.TokenLogprobs, "token_logprobs");
    }
}
