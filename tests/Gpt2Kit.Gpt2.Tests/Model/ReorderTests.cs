using Gpt2Kit.Gpt2.Tests.Support;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary>Reorder copies whole rows (cache and mask): after it, row r continues exactly as old row sources[r] would.</summary>
public sealed class ReorderTests
{
    public static TheoryData<int[]> Permutations => new()
    {
        { new[] { 0, 1, 2, 3 } },
        { new[] { 1, 0, 3, 2 } },       // two swaps
        { new[] { 1, 2, 3, 0 } },       // one 4-cycle
        { new[] { 2, 2, 0, 1 } },       // repeats: row 3 is dropped, row 2 doubled, and 0 → 2 → 0 is a cycle through a tree
        { new[] { 3, 3, 3, 3 } },
        { new[] { 0, 0, 1, 2 } },       // a chain: each row copies the one before it
    };

    [Theory]
    [MemberData(nameof(Permutations))]
    public void Rows_continue_as_their_source_rows(int[] sources)
    {
        var model = ModelRunner.Model("gpt2-tiny");
        int vocab = model.Info.VocabSize, rows = 4, length = 6;
        int[][] prompts = Enumerable.Range(0, rows).Select(r => ModelRunner.RandomIds(length, seed: 100 + r)).ToArray();

        // Row 1 is left-padded, so the mask history has to move with the cache.
        int[] mask = ModelRunner.Ones(rows * length);
        mask[length] = 0;
        mask[length + 1] = 0;
        int[] positions = new int[rows * length];
        Gpt2Kit.Models.PositionIds.FromAttentionMask(mask, rows, positions);

        using var session = model.CreateSession(rows, length + 2);
        float[] logits = new float[rows * vocab];
        session.Forward(prompts.SelectMany(p => p).ToArray(), positions, mask, logits);
        session.Reorder(sources);
        int[] next = ModelRunner.RandomIds(rows, seed: 5);
        int[] nextPositions = sources.Select(s => s == 1 ? length - 2 : length).ToArray();
        session.Forward(next, nextPositions, ModelRunner.Ones(rows), logits);

        for (int r = 0; r < rows; r++)
        {
            int s = sources[r];
            int[] history = s == 1 ? prompts[1][2..] : prompts[s];
            float[] expected = ModelRunner.LastLogits(model, [.. history, next[r]]);
            ModelRunner.MaxAbsDifference(logits.AsSpan(r * vocab, vocab), expected).Should().BeLessThan(1e-4f, $"row {r} from {s}");
        }
    }

    [Fact]
    public void Reorder_rejects_a_wrong_length_or_an_index_out_of_range()
    {
        using var session = ModelRunner.Model("gpt2-tiny").CreateSession(3, 4);
        FluentActions.Invoking(() => session.Reorder([0, 1])).Should().Throw<ArgumentException>().WithMessage("*3 rows*");
        FluentActions.Invoking(() => session.Reorder([0, 1, 3])).Should().Throw<ArgumentException>().WithMessage("*sources[2] is 3*0..2*");
    }
}
