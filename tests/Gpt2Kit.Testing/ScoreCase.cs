using System.Text.Json;

namespace Gpt2Kit.Testing;

/// <summary>One case of <c>tests/fixtures/score.json</c>: the log-probability of a continuation after a prompt.</summary>
/// <param name="Index">The case's position in the file.</param>
/// <param name="Checkpoint">The checkpoint folder's name.</param>
/// <param name="InputIds">The prompt ids.</param>
/// <param name="Continuation">The continuation ids.</param>
/// <param name="Logprob">The summed log-probability of the continuation.</param>
/// <param name="TokenLogprobs">The log-probability of each continuation token.</param>
public sealed record ScoreCase(int Index, string Checkpoint, int[] InputIds, int[] Continuation, double Logprob, float[] TokenLogprobs)
{
    /// <summary>The checkpoint's folder.</summary>
    public string CheckpointPath => FixturePaths.Checkpoint(Checkpoint);

    internal static ScoreCase Read(JsonElement item, int index)
    {
        var expected = item.GetProperty("expected");
        return new ScoreCase(
            index,
            item.GetProperty("checkpoint").GetString()!,
            FixtureJson.Ints(item.GetProperty("input_ids")),
            FixtureJson.Ints(item.GetProperty("continuation")),
            expected.GetProperty("logprob").GetDouble(),
            FixtureJson.Floats(expected.GetProperty("token_logprobs")));
    }
}
