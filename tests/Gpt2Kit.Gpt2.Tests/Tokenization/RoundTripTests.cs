using Gpt2Kit.Gpt2.Tokenization;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

/// <summary>Byte-level BPE is lossless: decoding the ids of any text gives the text back.</summary>
public sealed class RoundTripTests
{
    private static readonly Gpt2Tokenizer Tokenizer = Gpt2Tokenizer.Default;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Decode_of_Encode_is_the_identity_on_random_text(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < 300; i++)
        {
            string text = RandomText.Create(random, random.Next(0, 200));

            Tokenizer.Decode(Tokenizer.Encode(text)).Should().Be(text);
            Tokenizer.Decode(Tokenizer.Encode(text, allowSpecialTokens: false)).Should().Be(text);
        }
    }

    [Fact]
    public void Decode_of_Encode_is_the_identity_on_random_scalar_values()
    {
        var random = new Random(11);
        for (int i = 0; i < 200; i++)
        {
            var text = new System.Text.StringBuilder();
            for (int j = random.Next(1, 30); j > 0; j--)
            {
                text.Append(char.ConvertFromUtf32(RandomText.RandomScalar(random)));
            }

            Tokenizer.Decode(Tokenizer.Encode(text.ToString())).Should().Be(text.ToString());
        }
    }

    [Theory]
    [InlineData('a', 100_000)]
    [InlineData(' ', 100_000)]
    [InlineData('\n', 100_001)]
    [InlineData('é', 50_000)]
    [InlineData('!', 100_000)]
    public void Long_runs_of_one_character_round_trip(char c, int count)
    {
        string text = new(c, count);

        Tokenizer.Decode(Tokenizer.Encode(text)).Should().Be(text);
    }

    [Fact]
    public void Every_id_alone_decodes_to_its_bytes_and_valid_ones_encode_back()
    {
        for (int id = 0; id < Tokenizer.VocabSize; id++)
        {
            string text = Tokenizer.Decode([id]);
            if (!text.Contains('\uFFFD') && !Tokenizer.IsSpecialToken(id))
            {
                // Re-encoding may split differently, but must give the same text.
                Tokenizer.Decode(Tokenizer.Encode(text)).Should().Be(text);
            }
        }
    }

    [Fact]
    public void Concurrent_encoding_gives_the_same_ids_as_sequential_encoding()
    {
        var random = new Random(5);
        var texts = Enumerable.Range(0, 400).Select(_ => RandomText.Create(random, random.Next(0, 120))).ToArray();
        var fresh = TokenizerSources.Get(TokenizerSources.HuggingFaceFiles);
        var expected = texts.Select(t => Tokenizer.Encode(t)).ToArray();

        var actual = new int[texts.Length][];
        Parallel.For(0, texts.Length * 4, i => actual[i % texts.Length] = fresh.Encode(texts[i % texts.Length]));

        for (int i = 0; i < texts.Length; i++)
        {
            actual[i].Should().Equal(expected[i]);
        }
    }
}
