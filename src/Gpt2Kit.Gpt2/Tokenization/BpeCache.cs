using System.Collections.Concurrent;

namespace Gpt2Kit.Gpt2.Tokenization;

/// <summary>Remembers the ids of recently seen pieces. Bounded: once it holds <see cref="Capacity"/> pieces it starts
/// over, so memory stays flat on endless streams of new words while common words are back in it within moments.</summary>
/// <remarks>Thread-safe: lookups are lock-free; a lost update while clearing only costs a recomputation.</remarks>
internal sealed class BpeCache
{
    /// <summary>Longest piece (in UTF-16 units) worth remembering; longer ones are rare and would bloat the cache.</summary>
    public const int MaxPieceLength = 64;

    private readonly ConcurrentDictionary<string, int[]> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _spanLookup;
    private int _count;

    /// <summary>Creates an empty cache.</summary>
    public BpeCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _spanLookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Most pieces held at once.</summary>
    public int Capacity { get; }

    /// <summary>Pieces held now.</summary>
    public int Count => _entries.Count;

    /// <summary>Finds a piece without allocating a string for it.</summary>
    public bool TryGet(ReadOnlySpan<char> piece, out int[] ids) => _spanLookup.TryGetValue(piece, out ids!);

    /// <summary>Forgets every piece (benchmarks use it to measure the merge loop itself).</summary>
    public void Clear()
    {
        _entries.Clear();
        Interlocked.Exchange(ref _count, 0);
    }

    /// <summary>Remembers the ids of a piece (ignored when the piece is too long).</summary>
    public void Add(ReadOnlySpan<char> piece, int[] ids)
    {
        if (piece.Length > MaxPieceLength)
        {
            return;
        }

        if (Interlocked.Increment(ref _count) > Capacity)
        {
            _entries.Clear();
            Interlocked.Exchange(ref _count, 1);
        }

        _spanLookup[piece] = ids;
    }
}
