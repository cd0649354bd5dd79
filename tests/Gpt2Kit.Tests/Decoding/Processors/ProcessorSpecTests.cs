using Gpt2Kit.Decoding;
using Gpt2Kit.Decoding.Processors;
using static Gpt2Kit.Tests.Decoding.Processors.ProcessorTestKit;

namespace Gpt2Kit.Tests.Decoding.Processors;

/// <summary><see cref="ProcessorSpec.Create"/>: plain pairs read like any configuration section.</summary>
public class ProcessorSpecTests
{
    [Fact]
    public void Keys_are_case_insensitive_and_nested_paths_make_lists()
    {
        var spec = ProcessorSpec.Create("bad_words", ("BAD_WORDS_IDS:0:0", "1"), ("bad_words_ids:1:0", "0"), ("bad_words_ids:1:1", "0"));
        var arguments = new ProcessorArguments(spec);

        arguments.Has("bad_words_ids").Should().BeTrue();
        arguments.GetInt32Lists("Bad_Words_Ids").Should().BeEquivalentTo(new[] { new[] { 1 }, new[] { 0, 0 } }, o => o.WithStrictOrdering());
        spec.Settings.GetSection("bad_words_ids:1").GetChildren().Select(c => c.Path).Should().Equal("bad_words_ids:1:0", "bad_words_ids:1:1");

        // The spec drives a real processor: id 1 is banned, and 0 after 0.
        Run(new BadWordsProcessorFactory().Create(arguments, Context()), [2f, 2f], ids: [0, 0]).Should().Equal(NegInf, NegInf);
    }

    [Fact]
    public void List_entries_are_ordered_by_index_not_by_insertion()
    {
        var arguments = new ProcessorArguments(ProcessorSpec.Create("x", ("ids:10", "3"), ("ids:2", "2"), ("ids:0", "1")));

        arguments.GetInt32List("ids").Should().Equal(1, 2, 3);
        arguments.Has("missing").Should().BeFalse();
        arguments.GetString("IDS:2").Should().Be("2");
    }

    [Fact]
    public void A_bad_value_names_the_spec_path_the_value_and_the_range()
    {
        var arguments = new ProcessorArguments(ProcessorSpec.Create("top_k", ("k", "-3")));

        FluentActions.Invoking(() => arguments.GetInt32("K", min: 0))
            .Should().Throw<GenerationConfigurationException>().Which.SettingPath.Should().Be("top_k:K");
    }
}
