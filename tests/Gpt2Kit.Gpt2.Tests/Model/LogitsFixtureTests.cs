using System.Text.Json;
using Gpt2Kit.Models;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary>tests/fixtures/logits.json: last-position logits of a left-padded batch, positions as generate() derives them.</summary>
public sealed class LogitsFixtureTests
{
    public static TheoryData<string> Checkpoints => new() { "gpt2-tiny", "gpt2-tiny-f16" };

    [Theory]
    [MemberData(nameof(Checkpoints))]
    public void Last_position_logits_of_a_left_padded_batch_match_the_fixture(string checkpoint)
    {
        using var document = FixtureJson.Load("logits.json");
        var testCase = document.RootElement.EnumerateArray().Single(c => c.GetProperty("checkpoint").GetString() == checkpoint);
        var expected = testCase.GetProperty("expected");
        expected.GetProperty("positions").GetString().Should().Be("generate");
        int[][] ids = ReadRows(expected.GetProperty("input_ids"));
        int[][] mask = ReadRows(expected.GetProperty("attention_mask"));
        float[][] expectedLogits = expected.GetProperty("logits").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(FixtureJson.ReadFloat).ToArray()).ToArray();

        using var model = Gpt2Model.FromPretrained(FixturePaths.Checkpoint(checkpoint), new ModelLoadOptions { Threads = 2 });
        int rows = ids.Length, width = ids[0].Length, vocab = model.Info.VocabSize;
        int[] flatIds = ids.SelectMany(r => r).ToArray();
        int[] flatMask = mask.SelectMany(r => r).ToArray();
        int[] positions = new int[flatIds.Length];
        PositionIds.FromAttentionMask(flatMask, rows, positions);

        using var session = model.CreateSession(rows, width);
        float[] logits = new float[rows * vocab];
        session.Forward(flatIds, positions, flatMask, logits);

        for (int r = 0; r < rows; r++)
        {
            float maxError = 0;
            for (int v = 0; v < vocab; v++)
            {
                maxError = Math.Max(maxError, Math.Abs(logits[(r * vocab) + v] - expectedLogits[r][v]));
            }

            maxError.Should().BeLessThan(1e-4f, $"row {r} of {checkpoint}");
        }
    }

    private static int[][] ReadRows(JsonElement element) =>
        element.EnumerateArray().Select(row => row.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
}
