using Gpt2Kit.Gpt2.Model;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary>The in-place reorder plan gives new row r the old content of row sources[r] for every function
/// <c>sources</c> (permutations, repeats, chains and cycles), with one spare row.</summary>
public sealed class RowReorderTests
{
    [Fact]
    public void Every_source_map_on_up_to_five_rows_is_applied_exactly()
    {
        for (int rows = 1; rows <= 5; rows++)
        {
            int total = (int)Math.Pow(rows, rows);
            for (int code = 0; code < total; code++)
            {
                int[] sources = new int[rows];
                for (int r = 0, c = code; r < rows; r++, c /= rows)
                {
                    sources[r] = c % rows;
                }

                var mover = new ArrayMover(Enumerable.Range(0, rows).Select(r => r * 10).ToArray());
                RowReorder.Apply(sources, ref mover, new int[2 * rows]);
                mover.Rows.Should().Equal(sources.Select(s => s * 10), $"sources [{string.Join(", ", sources)}]");
            }
        }
    }

    private struct ArrayMover(int[] rows) : RowReorder.IRowMover
    {
        private int? _spare;

        public readonly int[] Rows => rows;

        public readonly void Copy(int source, int destination) => rows[destination] = rows[source];

        public void Save(int row)
        {
            _spare.Should().BeNull("one spare row is enough");
            _spare = rows[row];
        }

        public void Restore(int destination)
        {
            rows[destination] = _spare!.Value;
            _spare = null;
        }
    }
}
