using System.Text.Json;

namespace Gpt2Kit.Testing;

/// <summary>One case of <c>logits.json</c> (or the <c>logits</c> section of <c>demo.json</c>): the last-position logits of
/// a ragged batch, left-padded with an attention mask and positions as <c>generate()</c> derives them.</summary>
/// <param name="Index">The case's position in its file (or section).</param>
/// <param name="Name">The case's name.</param>
/// <param name="Checkpoint">The checkpoint's name (<c>gpt2-tiny</c>, <c>gpt2-tiny-f16</c>, <c>demo</c>).</param>
/// <param name="InputIds">The rows as given, ragged (what the CLI's <c>--input-ids</c> takes).</param>
/// <param name="PaddedIds">The rows left-padded to one width.</param>
/// <param name="AttentionMask">1 on real tokens, 0 on padding.</param>
/// <param name="Positions">How the positions were derived (<c>generate</c>: <c>cumsum(mask) - 1</c>, padding at 1).</param>
/// <param name="Logits">The last position's logits per row, <c>[rows][vocab]</c>.</param>
public sealed record LogitsCase(
    int Index, string Name, string Checkpoint, int[][] InputIds, int[][] PaddedIds, int[][] AttentionMask, string Positions, float[][] Logits)
{
    /// <summary>Name and checkpoint: unique across the fixture files.</summary>
    public string Title => $"{Name} ({Checkpoint})";

    /// <summary>The checkpoint's folder.</summary>
    public string CheckpointPath => FixturePaths.Checkpoint(Checkpoint);

    /// <summary>The ragged rows as JSON.</summary>
    public string InputIdsJson => JsonSerializer.Serialize(InputIds);

    internal static LogitsCase Read(JsonElement item, int index)
    {
        var expected = item.GetProperty("expected");
        return new LogitsCase(
            index,
            item.GetProperty("name").GetString()!,
            item.GetProperty("checkpoint").GetString()!,
            FixtureJson.IntRows(item.GetProperty("input_ids")),
            FixtureJson.IntRows(expected.GetProperty("input_ids")),
            FixtureJson.IntRows(expected.GetProperty("attention_mask")),
            expected.GetProperty("positions").GetString()!,
            FixtureJson.FloatRows(expected.GetProperty("logits")));
    }
}
