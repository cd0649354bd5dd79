using Gpt2Kit.Gpt2.Tokenization;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

/// <summary>Every case of tests/fixtures/tokenizer.json, with every way of loading the GPT-2 vocabulary.</summary>
public sealed class TokenizerFixtureTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var source in TokenizerSources.All)
        {
            for (int i = 0; i < TokenizerFixture.Cases.Count; i++)
            {
                data.Add(source, i);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_matches_the_reference_ids(string source, int caseIndex)
    {
        var fixture = TokenizerFixture.Cases[caseIndex];
        var tokenizer = TokenizerSources.Get(source);

        tokenizer.Encode(fixture.Text).Should().Equal(fixture.Ids, $"'{fixture.Text}' with the {source} vocabulary");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_of_the_reference_ids_gives_the_text_back(string source, int caseIndex)
    {
        var fixture = TokenizerFixture.Cases[caseIndex];
        var tokenizer = TokenizerSources.Get(source);

        tokenizer.Decode(fixture.Ids).Should().Be(fixture.Text);
    }

    [Theory]
    [MemberData(nameof(AllSources))]
    public void Every_source_describes_the_GPT2_vocabulary(string source)
    {
        var tokenizer = TokenizerSources.Get(source);

        tokenizer.VocabSize.Should().Be(50257);
        tokenizer.EndOfTextTokenId.Should().Be(50256);
        tokenizer.IsSpecialToken(50256).Should().BeTrue();
        tokenizer.IsSpecialToken(15496).Should().BeFalse();
        tokenizer.GetTokenBytes(15496).ToArray().Should().Equal("Hello"u8.ToArray());
        tokenizer.GetTokenBytes(220).ToArray().Should().Equal((byte)' ');
    }

    public static TheoryData<string> AllSources() => [.. TokenizerSources.All];

    [Fact]
    public void Default_is_one_shared_instance()
    {
        Gpt2Tokenizer.Default.Should().BeSameAs(Gpt2Tokenizer.Default);
    }
}
