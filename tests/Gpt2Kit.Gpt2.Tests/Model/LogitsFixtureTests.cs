using Gpt2Kit.Models;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary>tests/fixtures/logits.json and the <c>logits</c> cases of demo.json: last-position logits of a left-padded
/// batch, positions as generate() derives them, within 1e-4.</summary>
public sealed class LogitsFixtureTests
{
    public static TheoryData<int, string> Cases() => FixtureCases.LogitsRows();

    public static TheoryData<int, string> DemoCases() => FixtureCases.DemoLogitsRows();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Last_position_logits_of_a_left_padded_batch_match_the_fixture(int index, string title) =>
        Check(FixtureCases.Logits[index], title);

    [Theory]
    [MemberData(nameof(DemoCases))]
    public void Last_position_logits_on_the_demo_checkpoint_match_the_fixture(int index, string title) =>
        Check(FixtureCases.DemoLogits[index], title);

    private static void Check(LogitsCase item, string title)
    {
        item.Positions.Should().Be("generate");
        using var model = Gpt2Model.FromPretrained(item.CheckpointPath, new ModelLoadOptions { Threads = 2 });
        int rows = item.PaddedIds.Length, width = item.PaddedIds[0].Length, vocab = model.Info.VocabSize;
        int[] flatIds = item.PaddedIds.SelectMany(r => r).ToArray();
        int[] flatMask = item.AttentionMask.SelectMany(r => r).ToArray();
        int[] positions = new int[flatIds.Length];
        PositionIds.FromAttentionMask(flatMask, rows, positions);

        using var session = model.CreateSession(rows, width);
        float[] logits = new float[rows * vocab];
        session.Forward(flatIds, positions, flatMask, logits);

        for (int r = 0; r < rows; r++)
        {
            FixtureAssert.CloseValues(logits.AsSpan(r * vocab, vocab).ToArray(), item.Logits[r], $"{title} row {r}");
        }
    }
}
