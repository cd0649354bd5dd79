namespace Gpt2Kit.Gpt2.Model;

/// <summary>Plans <c>new row r = old row sources[r]</c> as in-place copies: a row is overwritten only after every row
/// that copies from it has done so, and each cycle (e.g. two beams swapping) goes through one saved row.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class RowReorder
{
    /// <summary>What the plan does to the rows.</summary>
    public interface IRowMover
    {
        /// <summary>Copies row <paramref name="source"/> over row <paramref name="destination"/>.</summary>
        void Copy(int source, int destination);

        /// <summary>Keeps row <paramref name="row"/> aside.</summary>
        void Save(int row);

        /// <summary>Writes the row kept aside over row <paramref name="destination"/>.</summary>
        void Restore(int destination);
    }

    /// <summary>Validates <paramref name="sources"/> and applies it through <paramref name="mover"/>.</summary>
    /// <param name="sources">One source row per row, each in <c>0..rows−1</c>; repeats allowed.</param>
    /// <param name="mover">Does the copies.</param>
    /// <param name="scratch">At least <c>2·rows</c> ints.</param>
    /// <exception cref="ArgumentException">The length differs from the number of rows or an index is out of range.</exception>
    public static void Apply<TMover>(ReadOnlySpan<int> sources, ref TMover mover, Span<int> scratch)
        where TMover : struct, IRowMover
    {
        int rows = sources.Length;
        for (int r = 0; r < rows; r++)
        {
            if ((uint)sources[r] >= (uint)rows)
            {
                throw new ArgumentException($"sources[{r}] is {sources[r]}; row indices are 0..{rows - 1}.", nameof(sources));
            }
        }

        var readers = scratch[..rows];
        var ready = scratch.Slice(rows, rows);
        readers.Clear();
        for (int r = 0; r < rows; r++)
        {
            if (sources[r] != r)
            {
                readers[sources[r]]++;
            }
        }

        // Rows nobody reads from can be overwritten at once; each copy may free its source in turn.
        int readyCount = 0;
        for (int r = 0; r < rows; r++)
        {
            if (sources[r] != r && readers[r] == 0)
            {
                ready[readyCount++] = r;
            }
        }

        Span<bool> done = rows <= 1024 ? stackalloc bool[rows] : new bool[rows];
        while (readyCount > 0)
        {
            int r = ready[--readyCount];
            int s = sources[r];
            mover.Copy(s, r);
            done[r] = true;
            if (--readers[s] == 0 && sources[s] != s && !done[s])
            {
                ready[readyCount++] = s;
            }
        }

        // What is left are cycles, each row read by exactly its predecessor.
        for (int r0 = 0; r0 < rows; r0++)
        {
            if (sources[r0] == r0 || done[r0])
            {
                continue;
            }

            mover.Save(r0);
            int current = r0;
            while (true)
            {
                int s = sources[current];
                done[current] = true;
                if (s == r0)
                {
                    mover.Restore(current);
                    break;
                }

                mover.Copy(s, current);
                current = s;
            }
        }
    }
}
