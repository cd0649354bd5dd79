using Gpt2Kit.Testing;
using System.Text.Json.Nodes;
using Gpt2Kit.Gpt2.Tokenization;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

/// <summary>Loading from each file layout, and every kind of broken file: the error must name the file and what is wrong.</summary>
public sealed class TokenizerLoadingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_small_vocabulary_merges_by_rank()
    {
        MiniVocabulary.Write(_folder);

        var tokenizer = Gpt2Tokenizer.FromFolder(_folder.Path);

        tokenizer.VocabSize.Should().Be(261);
        tokenizer.EndOfTextTokenId.Should().Be(260);
        tokenizer.Encode("hello").Should().Equal(259);
        tokenizer.Encode("hell").Should().Equal(258);
        tokenizer.Encode("hel").Should().Equal(256, (int)'l');
        tokenizer.Encode("hello<|endoftext|>").Should().Equal(259, 260);
        tokenizer.Decode([259, 260, (int)'!'], skipSpecialTokens: true).Should().Be("hello!");
    }

    [Fact]
    public void The_same_files_load_from_every_layout()
    {
        File.WriteAllText(_folder.File("encoder.json"), MiniVocabulary.VocabularyJson());
        File.WriteAllText(_folder.File("vocab.bpe"), MiniVocabulary.MergesText());
        Gpt2Tokenizer.FromFolder(_folder.Path).Encode("hello").Should().Equal(259);

        using var jsonFolder = new TempFolder("gpt2kit-tokenizer");
        File.WriteAllText(jsonFolder.File("tokenizer.json"), MiniVocabulary.TokenizerJson().ToJsonString());
        Gpt2Tokenizer.FromFolder(jsonFolder.Path).Encode("hello<|endoftext|>").Should().Equal(259, 260);

        Gpt2Tokenizer.FromFiles(_folder.File("encoder.json"), _folder.File("vocab.bpe")).Encode("hello").Should().Equal(259);
    }

    [Fact]
    public void Windows_line_endings_a_byte_order_mark_and_a_trailing_blank_line_are_accepted()
    {
        MiniVocabulary.Write(_folder, vocabularyJson: "\uFEFF" + MiniVocabulary.VocabularyJson(),
            mergesText: "\uFEFF#version: 0.2\r\nh e\r\nl l\r\nhe ll\r\nhell o\r\n\r\n");

        Gpt2Tokenizer.FromFolder(_folder.Path).Encode("hello").Should().Equal(259);
    }

    [Fact]
    public void A_missing_folder_is_named()
    {
        string missing = Path.Combine(_folder.Path, "nope");

        var act = () => Gpt2Tokenizer.FromFolder(missing);

        act.Should().Throw<DirectoryNotFoundException>().WithMessage($"*{missing}*");
    }

    [Fact]
    public void A_folder_without_a_complete_layout_lists_what_was_expected()
    {
        File.WriteAllText(_folder.File("vocab.json"), MiniVocabulary.VocabularyJson());

        var act = () => Gpt2Tokenizer.FromFolder(_folder.Path);

        act.Should().Throw<FileNotFoundException>().WithMessage($"*{_folder.Path}*vocab.json*merges.txt*tokenizer.json*");
    }

    [Fact]
    public void FromFiles_names_a_missing_file()
    {
        File.WriteAllText(_folder.File("vocab.json"), MiniVocabulary.VocabularyJson());
        string merges = _folder.File("merges.txt");

        var act = () => Gpt2Tokenizer.FromFiles(_folder.File("vocab.json"), merges);

        act.Should().Throw<FileNotFoundException>().Which.FileName.Should().Be(merges);
    }

    public static TheoryData<string, string> BrokenVocabularies() => new()
    {
        { "{\"a\": 1,", "*vocab.json*invalid JSON at line 1*" },
        { "{\"a\": 1}\n{", "*vocab.json*invalid JSON at line 2*" },
        { "[1, 2]", "*vocab.json*expected a JSON object*an array*" },
        { "{\"a\": 0,\n\"b\": \"x\"}", "*vocab.json*line 2*\"b\"*\"x\"*" },
        { "{\"a\": 0,\n\"b\": -3}", "*vocab.json*line 2*\"b\"*-3*" },
        { "{\"a\": 0,\n\"b\": 1.5}", "*vocab.json*line 2*\"b\"*1.5*" },
    };

    [Theory]
    [MemberData(nameof(BrokenVocabularies))]
    public void Malformed_vocabulary_json_is_reported_with_file_and_line(string json, string expectedMessage)
    {
        MiniVocabulary.Write(_folder, vocabularyJson: json);

        var act = () => Gpt2Tokenizer.FromFolder(_folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage(expectedMessage);
    }

    [Fact]
    public void Two_tokens_with_one_id_are_reported()
    {
        var tokens = MiniVocabulary.Tokens();
        tokens["ll"] = tokens["he"];
        MiniVocabulary.Write(_folder, vocabularyJson: MiniVocabulary.VocabularyJson(tokens));

        Load().Should().Throw<InvalidDataException>().WithMessage("*vocab.json*\"he\"*\"ll\"*id 256*");
    }

    [Fact]
    public void A_gap_in_the_ids_is_reported()
    {
        var tokens = MiniVocabulary.Tokens();
        tokens["<|endoftext|>"] = 300;
        MiniVocabulary.Write(_folder, vocabularyJson: MiniVocabulary.VocabularyJson(tokens));

        Load().Should().Throw<InvalidDataException>().WithMessage("*vocab.json*no token has the id 260*");
    }

    [Fact]
    public void A_missing_byte_token_is_reported()
    {
        var tokens = MiniVocabulary.Tokens();
        tokens.Remove("Ġ");
        tokens["not a byte token"] = 32;   // the ids stay dense, but byte 0x20 has no token of its own
        MiniVocabulary.Write(_folder, vocabularyJson: MiniVocabulary.VocabularyJson(tokens));

        Load().Should().Throw<InvalidDataException>().WithMessage("*vocab.json*\"Ġ\" (byte 0x20) is missing*");
    }

    public static TheoryData<string[], string> BrokenMerges() => new()
    {
        { ["h e", "l l l", "he ll"], "*merges.txt: line 3: 'l l l' is not a merge*two tokens separated by one space*" },
        { ["h e", "ll"], "*merges.txt: line 3: 'll' is not a merge*" },
        { ["h  e"], "*merges.txt: line 2: 'h  e' is not a merge*" },
        { ["h e", "l q"], "*merges.txt: line 3: the merge 'l q' needs the token 'lq'*not in*vocab.json*" },
        { ["h e", "he zz"], "*merges.txt: line 3: the merge 'he zz' needs the token 'zz'*" },
    };

    [Theory]
    [MemberData(nameof(BrokenMerges))]
    public void Malformed_merges_are_reported_with_file_line_and_value(string[] lines, string expectedMessage)
    {
        MiniVocabulary.Write(_folder, mergesText: MiniVocabulary.MergesText(lines));

        Load().Should().Throw<InvalidDataException>().WithMessage(expectedMessage);
    }

    [Fact]
    public void Invalid_UTF8_in_merges_is_reported_with_its_byte_offset()
    {
        MiniVocabulary.Write(_folder);
        File.WriteAllBytes(_folder.File("merges.txt"), [.. "#version: 0.2\nh e\n"u8, 0xC3, 0x28, (byte)'\n']);

        Load().Should().Throw<InvalidDataException>().WithMessage("*merges.txt*invalid UTF-8 at byte offset 18*");
    }

    public static TheoryData<string, string> BrokenTokenizerJson() => new()
    {
        { "{\"model\": ", "*tokenizer.json*invalid JSON at line 1*" },
        { "[]", "*tokenizer.json*expected a JSON object*" },
        { "{}", "*tokenizer.json*'model' is missing*" },
        { "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}", "*tokenizer.json*model.type is 'WordPiece'*BPE*" },
        { "{\"model\": {\"vocab\": []}}", "*tokenizer.json*model.vocab is missing or not an object*" },
        { "{\"model\": {\"vocab\": {\"a\": true}, \"merges\": []}}", "*tokenizer.json*model.vocab[\"a\"] is true*" },
        { "{\"model\": {\"vocab\": {\"a\": 0}}}", "*tokenizer.json*model.merges is missing*" },
    };

    [Theory]
    [MemberData(nameof(BrokenTokenizerJson))]
    public void Malformed_tokenizer_json_is_reported_with_file_key_and_value(string json, string expectedMessage)
    {
        File.WriteAllText(_folder.File("tokenizer.json"), json);

        Load().Should().Throw<InvalidDataException>().WithMessage(expectedMessage);
    }

    [Theory]
    [InlineData("merges", "[\"h e\",[\"l\",3]]", "*tokenizer.json: model.merges[1] is [\"l\",3]*")]
    [InlineData("merges", "[\"h e\", \"hq\"]", "*tokenizer.json: model.merges[1] is \"hq\"*")]
    [InlineData("merges", "[\"h e\", [\"he\", \"zz\"]]", "*tokenizer.json: model.merges[1]: the merge 'he zz' needs the token 'zz'*")]
    [InlineData("added_tokens", "[{\"content\":\"xx\"}]", "*tokenizer.json: added_tokens[0] is {\"content\":\"xx\"}*\"id\"*")]
    [InlineData("added_tokens", "[{\"id\": 260, \"content\": \"<|endoftext|>\", \"special\": \"yes\"}]", "*tokenizer.json: added_tokens[0].special is \"yes\"*true or false*")]
    public void Malformed_entries_of_tokenizer_json_are_named(string key, string value, string expectedMessage)
    {
        var json = MiniVocabulary.TokenizerJson();
        if (key == "merges")
        {
            json["model"]!["merges"] = JsonNode.Parse(value);
        }
        else
        {
            json[key] = JsonNode.Parse(value);
        }

        File.WriteAllText(_folder.File("tokenizer.json"), json.ToJsonString());

        Load().Should().Throw<InvalidDataException>().WithMessage(expectedMessage);
    }

    private Func<Gpt2Tokenizer> Load() => () => Gpt2Tokenizer.FromFolder(_folder.Path);
}
