using System.Text.Json.Nodes;
using Gpt2Kit.Gpt2.Tokenization;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

/// <summary><c>&lt;|endoftext|&gt;</c> and the <c>added_tokens</c> of a tokenizer.json, matched whole before pre-tokenization.</summary>
public sealed class AddedTokenTests
{
    private static readonly Lazy<Gpt2Tokenizer> ChatTokenizer = new(() => TokenizerSources.LoadFromTemporaryFolder(folder =>
    {
        var json = TokenizerSources.BuildTokenizerJson(
        [
            Added(50256, "<|endoftext|>", special: true),
            Added(50257, "<|im_start|>", special: true),
            Added(50258, "<|im_end|>", special: true, rstrip: true),
            Added(50259, "[BOT]", special: false),
            Added(50260, "<mask>", special: true, lstrip: true),
            Added(50261, "<|im_start|>user", special: true),
        ]);
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), json.ToJsonString());
    }));

    [Fact]
    public void EndOfText_in_text_becomes_its_id_only_when_allowed()
    {
        var tokenizer = Gpt2Tokenizer.Default;
        int[] hello = TokenizerFixture.IdsOf("Hello, world!");

        tokenizer.Encode("Hello, world!<|endoftext|>Hello, world!").Should().Equal([.. hello, 50256, .. hello]);
        tokenizer.Encode("<|endoftext|><|endoftext|>").Should().Equal(50256, 50256);
        tokenizer.Encode("Hello, world!<|endoftext|>", allowSpecialTokens: false)
            .Should().Equal([.. hello, 27, 91, 437, 1659, 5239, 91, 29]);
    }

    [Fact]
    public void Text_around_a_special_token_is_encoded_separately()
    {
        var tokenizer = Gpt2Tokenizer.Default;

        // " <|endoftext|> world": the space before the token cannot join "<" and stays a token of its own.
        tokenizer.Encode("Hello <|endoftext|> world").Should().Equal([.. tokenizer.Encode("Hello "), 50256, .. tokenizer.Encode(" world")]);
    }

    [Fact]
    public void Added_tokens_of_tokenizer_json_are_honoured()
    {
        var tokenizer = ChatTokenizer.Value;
        int[] hi = Gpt2Tokenizer.Default.Encode("hi");

        tokenizer.VocabSize.Should().Be(50262);
        tokenizer.Encode("<|im_start|>hi").Should().Equal([50257, .. hi]);
        tokenizer.IsSpecialToken(50257).Should().BeTrue();
        tokenizer.IsSpecialToken(50259).Should().BeFalse();
        tokenizer.Decode([50257, .. hi, 50259]).Should().Be("<|im_start|>hi[BOT]");
        tokenizer.Decode([50257, .. hi, 50259], skipSpecialTokens: true).Should().Be("hi[BOT]");
    }

    [Fact]
    public void The_longest_added_token_wins_at_a_position()
    {
        ChatTokenizer.Value.Encode("<|im_start|>user").Should().Equal(50261);
    }

    [Fact]
    public void Ordinary_added_tokens_are_matched_even_when_special_tokens_are_not()
    {
        var tokenizer = ChatTokenizer.Value;
        int[] x = Gpt2Tokenizer.Default.Encode("x");

        tokenizer.Encode("x[BOT]x<|im_start|>", allowSpecialTokens: false)
            .Should().Equal([.. x, 50259, .. x, .. Gpt2Tokenizer.Default.Encode("<|im_start|>", allowSpecialTokens: false)]);
    }

    [Fact]
    public void Lstrip_and_rstrip_swallow_white_space_next_to_the_token()
    {
        var tokenizer = ChatTokenizer.Value;
        var plain = Gpt2Tokenizer.Default;

        tokenizer.Encode("a   <mask> b").Should().Equal([.. plain.Encode("a"), 50260, .. plain.Encode(" b")]);
        tokenizer.Encode("a <|im_end|>\n\nb").Should().Equal([.. plain.Encode("a "), 50258, .. plain.Encode("b")]);
    }

    [Fact]
    public void Add_prefix_space_puts_a_space_before_the_text()
    {
        var tokenizer = TokenizerSources.LoadFromTemporaryFolder(folder =>
            File.WriteAllText(Path.Combine(folder, "tokenizer.json"), TokenizerSources.BuildTokenizerJson(addPrefixSpace: true).ToJsonString()));

        // " Hello" is 18435 in the GPT-2 vocabulary; "Hello" alone is 15496.
        tokenizer.Encode("Hello").Should().Equal(18435);
        tokenizer.Encode(" Hello").Should().Equal(18435);
        tokenizer.Decode([18435]).Should().Be(" Hello");
    }

    private static JsonObject Added(int id, string content, bool special, bool lstrip = false, bool rstrip = false) => new()
    {
        ["id"] = id,
        ["content"] = content,
        ["single_word"] = false,
        ["lstrip"] = lstrip,
        ["rstrip"] = rstrip,
        ["normalized"] = false,
        ["special"] = special,
    };
}
