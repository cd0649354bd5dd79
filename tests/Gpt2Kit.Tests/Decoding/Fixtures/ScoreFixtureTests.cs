using Gpt2Kit.Testing;

namespace Gpt2Kit.Tests.Decoding.Fixtures;

/// <summary><c>tests/fixtures/score.json</c>: the log-probability of a continuation, per token and summed, within 1e-4.</summary>
public class ScoreFixtureTests
{
    public static TheoryData<int> Cases()
    {
        using var document = FixtureJson.Load("score.json");
        var data = new TheoryData<int>();
        for (int i = 0; i < document.RootElement.GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Scores_match_the_reference(int index)
    {
        using var document = FixtureJson.Load("score.json");
        var item = document.RootElement[index];
        var expected = item.GetProperty("expected");
        var generator = ReferenceModels.Generator(item.GetProperty("checkpoint").GetString()!);

        var score = await generator.ScoreAsync(
            item.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            item.GetProperty("continuation").EnumerateArray().Select(e => e.GetInt32()).ToArray());

        score.SumLogprob.Should().BeApproximately(expected.GetProperty("logprob").GetDouble(), 1e-4);
        score.TokenLogprobs.Should().Equal(expected.GetProperty("token_logprobs").EnumerateArray().Select(FixtureJson.ReadFloat),
            (a, b) => Math.Abs(a - b) <= 1e-4f);
    }
}
