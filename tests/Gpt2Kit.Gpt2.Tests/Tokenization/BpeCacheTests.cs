using Gpt2Kit.Gpt2.Tokenization;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

public sealed class BpeCacheTests
{
    [Fact]
    public void The_cache_never_holds_more_than_its_capacity()
    {
        var cache = new BpeCache(capacity: 4);

        for (int i = 0; i < 10; i++)
        {
            cache.Add($"piece{i}", [i]);
            cache.Count.Should().BeLessThanOrEqualTo(4);
        }

        cache.TryGet("piece9", out var ids).Should().BeTrue();
        ids.Should().Equal(9);
        cache.TryGet("piece0", out _).Should().BeFalse();
    }

    [Fact]
    public void Pieces_longer_than_the_limit_are_not_kept()
    {
        var cache = new BpeCache(capacity: 4);
        string longPiece = new('a', BpeCache.MaxPieceLength + 1);

        cache.Add(longPiece, [1]);

        cache.TryGet(longPiece, out _).Should().BeFalse();
        cache.Count.Should().Be(0);
    }

    [Fact]
    public void Lookups_by_span_find_pieces_added_as_strings()
    {
        var cache = new BpeCache(capacity: 4);
        cache.Add(" world", [995]);

        cache.TryGet("Hello world".AsSpan(5), out var ids).Should().BeTrue();
        ids.Should().Equal(995);
    }
}
