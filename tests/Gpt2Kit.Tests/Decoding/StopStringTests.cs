using Gpt2Kit.Decoding;
using Gpt2Kit.Decoding.Stopping;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Models;

namespace Gpt2Kit.Tests.Decoding;

public class StopStringTests
{
    private static readonly Gpt2Tokenizer Tokenizer = Gpt2Tokenizer.Default;

    /// <summary>GPT-2's byte-level vocabulary gives printable ASCII characters the ids <c>c − 33</c>.</summary>
    private static int Char(char c) => c - 33;

    private static FinishReason Check(string stop, params int[] ids)
    {
        var criterion = new StopStringCriterion(Tokenizer, [stop]);
        return criterion.Check(new StoppingContext(ids, promptLength: 1, maxLength: 100, row: 0));
    }

    [Fact]
    public void A_stop_string_completed_by_the_last_token_stops_the_row()
    {
        Tokenizer.Decode([Char('a')]).Should().Be("a");
        Check("ab", Char('x'), Char('a'), Char('b')).Should().Be(FinishReason.StopString);
    }

    [Fact]
    public void A_stop_string_entirely_inside_earlier_tokens_does_not_count()
    {
        Check("ab", Char('a'), Char('b'), Char('x')).Should().Be(FinishReason.None);
    }

    [Fact]
    public void The_last_token_may_run_past_the_end_of_the_stop_string()
    {
        int the = Tokenizer.Encode(" the").Should().ContainSingle().Subject;
        Check("e t", Char('x'), Char('e'), the).Should().Be(FinishReason.StopString);
        Check("th", the, Char('x')).Should().Be(FinishReason.None, "the occurrence lies inside the earlier token");
    }

    [Fact]
    public void The_prompt_counts_as_text()
    {
        // The stop string starts in the prompt's last token and ends in the first generated one.
        Check("xyz", Char('q'), Char('x'), Char('y'), Char('z')).Should().Be(FinishReason.StopString);
    }

    [Fact]
    public void Each_token_is_decoded_on_its_own_so_a_split_character_never_matches()
    {
        var pieces = Tokenizer.Encode("😀");
        pieces.Length.Should().BeGreaterThan(1, "GPT-2 spells this emoji with several byte tokens");
        Check("😀", [Char('x'), .. pieces]).Should().Be(FinishReason.None);
        Tokenizer.Decode(pieces).Should().Be("😀", "decoded together the pieces do spell the stop string");
    }

    [Fact]
    public async Task Generation_stops_on_a_stop_string_across_tokens_and_the_text_ends_before_it()
    {
        var script = new[] { Char('a'), Char('S'), Char('T'), Char('O'), Char('P'), Char('b'), Char('c'), Char('d') };
        var generator = Doubles.FakeGenerators.Generator(Doubles.FakeGenerators.Scripted(script, promptLength: 1, eos: [50256]));

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[Char('q')]],
            new GenerationOptions { MaxNewTokens = 8, StopStrings = ["TOP"] }));

        result.Sequences[0].Should().Equal(Char('q'), Char('a'), Char('S'), Char('T'), Char('O'), Char('P'));
        result.FinishReasons[0].Should().Be(FinishReason.StopString);
        result.Texts[0].Should().Be("aS", "the text ends before the stop string");
    }

    [Fact]
    public void The_factory_needs_a_tokenizer_and_non_empty_strings()
    {
        var factory = new StopStringCriterionFactory();
        var model = new ModelInfo { Name = "m", VocabSize = 10, ContextLength = 10, HiddenSize = 2 };
        var options = new ResolvedGenerationOptions { MaxLength = 10, Strategy = "greedy", StopStrings = ["x"] };
        var none = new ResolvedGenerationOptions { MaxLength = 10, Strategy = "greedy" };

        factory.Create(none, new ProcessorCreationContext(model, options, 1, Tokenizer)).Should().BeNull();
        factory.Create(options, new ProcessorCreationContext(model, options, 1, Tokenizer)).Should().NotBeNull();
        var noTokenizer = () => factory.Create(options, new ProcessorCreationContext(model, options, 1, null));
        noTokenizer.Should().Throw<GenerationConfigurationException>().Which.SettingPath.Should().Be("stop_strings");
    }
}
