using System.Buffers;
using System.Text;
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.ML.Tokenizers;
using Gpt2Kit.Testing;
using Microsoft.ML.Tokenizers;

namespace Gpt2Kit.ML.Tests;

/// <summary>The GPT-2 tokenizer as an ML.Tokenizers tokenizer gives Gpt2Tokenizer's ids, counts and text; any ML.Tokenizers
/// tokenizer serves as Gpt2Kit's ITokenizer.</summary>
public sealed class TokenizerAdapterTests
{
    private static readonly Gpt2Tokenizer Exact = Gpt2Tokenizer.Default;
    private static readonly Gpt2MLTokenizer Adapter = Gpt2MLTokenizer.Default;

    private sealed record TokenizerCase(string Text, int[] Ids);

    public static TheoryData<int> FixtureRows() => [.. Enumerable.Range(0, FixtureJson.Read<List<TokenizerCase>>("tokenizer.json").Count)];

    /// <summary>Seeded random texts that mix what GPT-2 tokenizers get wrong: letters above U+FFFF before an apostrophe,
    /// contractions, runs of whitespace, special tokens, accents, CJK and emoji.</summary>
    public static string[] RandomTexts(int count, int seed)
    {
        string[] pieces =
        [
            "hello", " world", "'s", "'ll", "'re", " I'm", "𝔘's", "😀", "😀't", "  ", "\n\n", "\t", " ", "<|endoftext|>", "café", "日本語",
            "123", "4567", "!?", "--", "naïve", " ünïcödé", "𐍈", "\r\n", "Ω", "e\u0301", " A", ".", ",",
        ];
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var text = new StringBuilder();
            int length = random.Next(0, 25);
            for (int i = 0; i < length; i++)
            {
                text.Append(random.Next(4) == 0 ? ((char)random.Next(32, 127)).ToString() : pieces[random.Next(pieces.Length)]);
            }

            return text.ToString();
        })];
    }

    private static readonly string[] Random = RandomTexts(300, seed: 2024);

    [Theory]
    [MemberData(nameof(FixtureRows))]
    public void Fixture_texts_encode_count_and_decode_as_the_reference(int row)
    {
        var item = FixtureJson.Read<List<TokenizerCase>>("tokenizer.json")[row];
        Adapter.EncodeToIds(item.Text).Should().Equal(item.Ids);
        Adapter.CountTokens(item.Text).Should().Be(item.Ids.Length);
        Adapter.Decode(item.Ids).Should().Be(Exact.Decode(item.Ids));
        Adapter.EncodeToTokens(item.Text, out _).Select(t => t.Id).Should().Equal(item.Ids);
    }

    [Fact]
    public void Random_texts_encode_count_and_decode_as_Gpt2Tokenizer()
    {
        foreach (var text in Random)
        {
            var ids = Exact.Encode(text);
            Adapter.EncodeToIds(text).Should().Equal(ids, text);
            Adapter.EncodeToIds(text.AsSpan()).Should().Equal(ids, text);
            Adapter.CountTokens(text).Should().Be(ids.Length, text);
            Adapter.Decode(ids).Should().Be(Exact.Decode(ids), text);
            Adapter.Decode(ids).Should().Be(text, "byte-level BPE decodes back to the text");

            var tokens = Adapter.EncodeToTokens(text, out _);
            tokens.Select(t => t.Id).Should().Equal(ids);
            int end = 0;
            foreach (var token in tokens)
            {
                var (start, length) = token.Offset.GetOffsetAndLength(text.Length);
                start.Should().BeLessThanOrEqualTo(end, "offsets are contiguous (a token that splits a character shares it)");
                end = start + length;
                token.Value.Should().Be(text.Substring(start, length));
            }

            end.Should().Be(text.Length);
        }
    }

    [Fact]
    public void A_token_budget_keeps_the_first_tokens_and_says_where_they_end()
    {
        foreach (var text in Random.Where(t => Exact.Encode(t).Length > 3))
        {
            var ids = Exact.Encode(text);
            int budget = ids.Length / 2;
            var kept = Adapter.EncodeToIds(text, budget, out _, out int consumed);
            kept.Should().Equal(ids.Take(budget), text);
            Adapter.GetIndexByTokenCount(text, budget, out _, out int counted).Should().Be(consumed);
            counted.Should().Be(budget);
            Encoding.UTF8.GetByteCount(text[..consumed]).Should().BeGreaterThanOrEqualTo(ids.Take(budget).Sum(id => Exact.GetTokenBytes(id).Length));

            int fromEnd = Adapter.GetIndexByTokenCountFromEnd(text, budget, out _, out int tail);
            tail.Should().Be(budget);
            fromEnd.Should().BeInRange(0, text.Length);
        }
    }

    [Fact]
    public void Decoding_into_a_short_buffer_stops_at_a_whole_token()
    {
        foreach (var text in Random.Where(t => t.Length > 4))
        {
            var ids = Exact.Encode(text);
            var small = new char[text.Length / 2];
            var status = Adapter.Decode(ids, small, out int used, out int written);
            status.Should().Be(OperationStatus.DestinationTooSmall);
            string prefix = new(small, 0, written);
            text.Should().StartWith(prefix);

            var full = new char[text.Length];
            Adapter.Decode(ids, full, out used, out written).Should().Be(OperationStatus.Done);
            used.Should().Be(ids.Length);
            new string(full, 0, written).Should().Be(text);
        }
    }

    [Fact]
    public async Task An_ML_tokenizer_serves_as_the_generators_tokenizer()
    {
        var wrapped = new MLTokenizerAdapter(Adapter, Exact.VocabSize, Exact.EndOfTextTokenId);
        foreach (var text in Random.Take(100))
        {
            var ids = Exact.Encode(text);
            wrapped.Encode(text).Should().Equal(ids);
            wrapped.Decode(ids, skipSpecialTokens: true).Should().Be(Exact.Decode(ids, skipSpecialTokens: true));
            wrapped.Decode(ids, cleanUpTokenizationSpaces: true).Should().Be(Exact.Decode(ids, cleanUpTokenizationSpaces: true));
            var decoder = wrapped.CreateStreamingDecoder();
            string.Concat(ids.Select(decoder.Append)).Concat(decoder.Flush()).Should().Equal(text);
        }

        var batch = wrapped.EncodeBatch(["Hello, my name is", "A"]);
        batch.Should().BeEquivalentTo(Exact.EncodeBatch(["Hello, my name is", "A"]));

        using var model = Gpt2Model.FromPretrained(TinyModel.Folder);
        var options = new GenerationOptions { MaxNewTokens = 6 };
        var viaAdapter = await TextGenerator.Create(model, wrapped).GenerateAsync(new GenerationRequest { Prompts = TinyModel.Prompts, Options = options });
        var exact = await TextGenerator.Create(model, Exact).GenerateAsync(new GenerationRequest { Prompts = TinyModel.Prompts, Options = options });
        viaAdapter.Sequences.Should().BeEquivalentTo(exact.Sequences, o => o.WithStrictOrdering());
        viaAdapter.Texts.Should().Equal(exact.Texts);
    }

    [Fact]
    public void Another_vocabulary_works_through_the_adapter()
    {
        var letters = new MLTokenizerAdapter(new LetterTokenizer(), LetterTokenizer.VocabSize, LetterTokenizer.EndOfText);
        letters.Encode("abc").Should().Equal(97, 98, 99);
        letters.Decode([104, 105, LetterTokenizer.EndOfText], skipSpecialTokens: true).Should().Be("hi");
        letters.IsSpecialToken(LetterTokenizer.EndOfText).Should().BeTrue();
        var padded = letters.EncodeBatch(["ab", "c"]);
        padded.InputIds[1].Should().Equal(LetterTokenizer.EndOfText, 99);
        padded.AttentionMask[1].Should().Equal(0, 1);
        letters.Invoking(l => l.Decode([500])).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*500*index 0*");
        letters.Invoking(l => l.Encode("x", allowSpecialTokens: false)).Should().Throw<NotSupportedException>();
    }

    /// <summary>A hand-written ML.Tokenizers tokenizer: one id per ASCII character, 128 for end of text.</summary>
    private sealed class LetterTokenizer : Microsoft.ML.Tokenizers.Tokenizer
    {
        public const int VocabSize = 129;
        public const int EndOfText = 128;

        protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
        {
            string source = text ?? textSpan.ToString();
            return new EncodeResults<EncodedToken>
            {
                Tokens = [.. source.Select((c, i) => new EncodedToken(c, c.ToString(), new Range(i, i + 1)))],
                CharsConsumed = source.Length,
            };
        }

        public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
        {
            var text = new string([.. ids.Where(i => i < EndOfText).Select(i => (char)i)]);
            idsConsumed = ids.Count();
            charsWritten = Math.Min(text.Length, destination.Length);
            text.AsSpan(0, charsWritten).CopyTo(destination);
            return charsWritten == text.Length ? OperationStatus.Done : OperationStatus.DestinationTooSmall;
        }
    }
}
