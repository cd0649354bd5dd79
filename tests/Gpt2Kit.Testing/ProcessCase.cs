using System.Text.Json;

namespace Gpt2Kit.Testing;

/// <summary>One case of <c>tests/fixtures/process.json</c>: the checkpoint's last logits for one row of ids, run through
/// the whole processor chain of a config with a declared prompt length.</summary>
/// <param name="Index">The case's position in the file.</param>
/// <param name="Name">The case's name.</param>
/// <param name="Checkpoint">The checkpoint folder's name.</param>
/// <param name="InputIds">The row's ids (the file holds one row per case).</param>
/// <param name="PromptLength">How many of the ids count as the prompt.</param>
/// <param name="Config">The generation config.</param>
/// <param name="Processors">The processor names, in the order applied.</param>
/// <param name="FiniteCount">How many tokens keep a finite score.</param>
/// <param name="Top">The 64 best tokens after the chain, best first.</param>
public sealed record ProcessCase(
    int Index,
    string Name,
    string Checkpoint,
    int[] InputIds,
    int PromptLength,
    JsonElement Config,
    string[] Processors,
    int FiniteCount,
    ProcessedToken[] Top)
{
    /// <summary>The checkpoint's folder.</summary>
    public string CheckpointPath => FixturePaths.Checkpoint(Checkpoint);

    internal static ProcessCase Read(JsonElement item, int index)
    {
        var expected = item.GetProperty("expected");
        return new ProcessCase(
            index,
            item.GetProperty("name").GetString()!,
            item.GetProperty("checkpoint").GetString()!,
            FixtureJson.Ints(item.GetProperty("input_ids")[0]),
            item.GetProperty("prompt_length").GetInt32(),
            item.GetProperty("config").Clone(),
            FixtureJson.Strings(expected.GetProperty("processors")),
            expected.GetProperty("finite_count")[0].GetInt32(),
            expected.GetProperty("top")[0].EnumerateArray()
                .Select(e => new ProcessedToken(e[0].GetInt32(), FixtureJson.ReadFloat(e[1]), FixtureJson.ReadFloat(e[2])))
                .ToArray());
    }
}

/// <summary>A token's score after the processor chain and the log-softmax of the processed scores at it.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Score">The processed score (−∞ when filtered).</param>
/// <param name="LogProb">The log-softmax of the processed scores at the token.</param>
public sealed record ProcessedToken(int Id, float Score, float LogProb);
