using Gpt2Kit.Gpt2.Tokenization;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

/// <summary>The two merge loops (rescanning for short pieces, heap for long ones) must agree exactly.</summary>
public sealed class BytePairMergerTests
{
    private static readonly BpeMergeTable Merges = LoadMerges();

    [Theory]
    [InlineData(1, 2, 64)]
    [InlineData(2, 65, 300)]
    [InlineData(3, 300, 3000)]
    public void Heap_and_rescanning_merge_random_words_the_same(int seed, int minLength, int maxLength)
    {
        var random = new Random(seed);
        for (int i = 0; i < 100; i++)
        {
            // Words of letters (and some repeated runs) merge deeply; random bytes barely merge.
            string word = random.Next(3) switch
            {
                0 => new string(Enumerable.Range(0, random.Next(minLength, maxLength)).Select(_ => "etaoinshrdlu"[random.Next(12)]).ToArray()),
                1 => string.Concat(Enumerable.Repeat("ab", random.Next(minLength, maxLength) / 2 + 1)),
                _ => RandomText.Create(random, random.Next(minLength, maxLength)),
            };
            int[] symbols = System.Text.Encoding.UTF8.GetBytes(word).Select(b => ByteIds.Value[b]).ToArray();

            int[] byScan = (int[])symbols.Clone();
            int[] byHeap = (int[])symbols.Clone();
            int scanCount = BytePairMerger.MergeByScan(byScan, Merges);
            int heapCount = BytePairMerger.MergeByHeap(byHeap, Merges);

            byHeap[..heapCount].Should().Equal(byScan[..scanCount], $"word '{word}'");
        }
    }

    [Fact]
    public void Merging_nothing_or_one_symbol_leaves_it()
    {
        BytePairMerger.MergeByHeap([], Merges).Should().Be(0);
        BytePairMerger.MergeByScan([], Merges).Should().Be(0);
        int[] one = [64];
        BytePairMerger.MergeByHeap(one, Merges).Should().Be(1);
        one[0].Should().Be(64);
    }

    private static readonly Lazy<int[]> ByteIds = new(() =>
    {
        var tokenizer = Gpt2Tokenizer.Default;
        var ids = new int[256];
        for (int id = 0; id < tokenizer.VocabSize; id++)
        {
            var bytes = tokenizer.GetTokenBytes(id);
            if (bytes.Length == 1)
            {
                ids[bytes[0]] = id;
            }
        }

        return ids;
    });

    private static BpeMergeTable LoadMerges()
    {
        var vocabulary = TokenizerFileReader.ReadVocabulary(File.ReadAllBytes(TokenizerSources.VocabularyPath), "vocab.json");
        return new BpeMergeTable(TokenizerFileReader.ReadMerges(File.ReadAllBytes(TokenizerSources.MergesPath), "merges.txt", vocabulary, "vocab.json"));
    }
}
