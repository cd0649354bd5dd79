using System.Text.Json;
using Gpt2Kit.Decoding;
using Gpt2Kit.Decoding.Processors;
using Microsoft.Extensions.DependencyInjection;
using static Gpt2Kit.Tests.Decoding.Processors.ProcessorTestKit;

namespace Gpt2Kit.Tests.Decoding.Processors;

public class ProcessorChainBuilderTests
{
    private static readonly ProcessorChainBuilder Builder = new(BuiltInProcessors.CreateFactories());

    public static TheoryData<string, string> FixtureCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in new[] { "process.json", "generate.json" })
        {
            foreach (var fixture in FixtureOptions.Cases(file))
            {
                var config = fixture.GetProperty("config");
                if (config.TryGetProperty("num_beam_groups", out var groups) && groups.GetInt32() > 1)
                {
                    continue; // The Hamming processor belongs to group beam search.
                }

                data.Add(file, $"{fixture.GetProperty("name").GetString()}/{fixture.GetProperty("checkpoint").GetString()}");
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public void Chain_order_matches_the_fixture(string file, string caseName)
    {
        var fixture = FixtureOptions.Cases(file).Single(c => $"{c.GetProperty("name").GetString()}/{c.GetProperty("checkpoint").GetString()}" == caseName);
        var promptLength = fixture.TryGetProperty("prompt_length", out var p) ? p.GetInt32() : fixture.GetProperty("input_ids").EnumerateArray().Max(r => r.GetArrayLength());
        var options = FixtureOptions.Resolve(fixture.GetProperty("config"), promptLength);

        var chain = Builder.Build(options, Context(options, minTokensToKeep: FixtureOptions.MinTokensToKeep(options)), sampling: options.DoSample);

        var expected = fixture.GetProperty("expected").GetProperty("processors").EnumerateArray().Select(e => e.GetString()).ToList();
        chain.Names.Should().Equal(expected);
        chain.Processors.Should().HaveCount(expected.Count);
    }

    [Fact]
    public void Every_active_field_gives_hugging_faces_order_with_the_openai_penalties_after_the_repetition_penalty()
    {
        var options = AllActive();

        var chain = Builder.Build(options, Context(options: options), sampling: true);

        chain.Names.Should().Equal(
            "sequence_bias", "encoder_repetition_penalty", "repetition_penalty", "presence_penalty", "frequency_penalty", "logit_bias",
            "no_repeat_ngram", "encoder_no_repeat_ngram", "bad_words", "min_length", "min_new_tokens", "forced_bos", "forced_eos",
            "remove_invalid_values", "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens",
            "temperature", "top_k", "top_p", "min_p", "typical_p", "epsilon_cutoff", "eta_cutoff", "renormalize");
    }

    [Fact]
    public void Warpers_are_left_out_when_not_sampling_but_renormalize_stays()
    {
        var options = AllActive();
        options.Temperature = 0; // Not validated either: Hugging Face ignores warper settings outside sampling.

        var chain = Builder.Build(options, Context(options: options), sampling: false);

        chain.Names.Should().NotContain(["temperature", "top_k", "top_p", "min_p", "typical_p", "epsilon_cutoff", "eta_cutoff"]);
        chain.Names[^1].Should().Be("renormalize");
    }

    [Fact]
    public void Defaults_give_an_empty_chain_for_greedy_and_top_k_50_for_sampling()
    {
        var options = new GenerationOptions { EosTokenId = [50256] };
        Builder.Build(options, Context(options: options), sampling: false).Names.Should().BeEmpty();

        var chain = Builder.Build(options, Context(options: options), sampling: true);
        chain.Names.Should().Equal("top_k");
        var scores = RandomLogits(1000, seed: 3);
        chain.Process(new LogitsContext([1, 2], 2, 20, [999], 0, 0), scores);
        scores.Count(float.IsFinite).Should().Be(50);
    }

    [Fact]
    public void Warpers_keep_the_requests_min_tokens()
    {
        var options = new GenerationOptions { TopK = 1, EosTokenId = [3, 4] };
        var chain = Builder.Build(options, Context(options: options, minTokensToKeep: 3), sampling: true);
        var scores = new[] { 5f, 4f, 3f, 2f, 1f };
        chain.Process(new LogitsContext([0], 1, 20, [3, 4], 0, 0), scores);
        scores.Should().Equal(5f, 4f, 3f, NegInf, NegInf);
    }

    [Theory]
    [InlineData("temperature", "0")]
    [InlineData("top_k", "-1")]
    [InlineData("top_p", "1.5")]
    [InlineData("typical_p", "0")]
    [InlineData("min_p", "2")]
    [InlineData("epsilon_cutoff", "1")]
    [InlineData("eta_cutoff", "-0.5")]
    [InlineData("repetition_penalty", "0")]
    [InlineData("repetition_penalty_window", "-1")]
    [InlineData("no_repeat_ngram_size", "-2")]
    [InlineData("suppress_tokens:1", "50257")]
    [InlineData("bad_words_ids:0:0", "-1")]
    [InlineData("forced_bos_token_id", "99999")]
    [InlineData("logit_bias:7", "150")]
    public void Out_of_range_fields_name_the_field_and_the_value(string path, string value)
    {
        var options = new GenerationOptions { EosTokenId = [50256] };
        switch (path)
        {
            case "temperature": options.Temperature = 0; options.DoSample = true; break;
            case "top_k": options.TopK = -1; break;
            case "top_p": options.TopP = 1.5; break;
            case "typical_p": options.TypicalP = 0; break;
            case "min_p": options.MinP = 2; break;
            case "epsilon_cutoff": options.EpsilonCutoff = 1; break;
            case "eta_cutoff": options.EtaCutoff = -0.5; break;
            case "repetition_penalty": options.RepetitionPenalty = 0; break;
            case "repetition_penalty_window": options.RepetitionPenalty = 1.1; options.RepetitionPenaltyWindow = -1; break;
            case "no_repeat_ngram_size": options.NoRepeatNgramSize = -2; break;
            case "suppress_tokens:1": options.SuppressTokens = [3, 50257]; break;
            case "bad_words_ids:0:0": options.BadWordsIds = [[-1]]; break;
            case "forced_bos_token_id": options.ForcedBosTokenId = 99999; break;
            case "logit_bias:7": options.LogitBias = new Dictionary<int, double> { [7] = 150 }; break;
        }

        var act = () => Builder.Build(options, Context(options: options), sampling: true);

        var error = act.Should().Throw<GenerationConfigurationException>().Which;
        error.SettingPath.Should().Be(path);
        error.Message.Should().Contain($"'{value}'");
    }

    [Fact]
    public void An_explicit_list_is_built_in_its_order_warpers_included_even_without_sampling()
    {
        var options = new GenerationOptions
        {
            RepetitionPenalty = 5, // Ignored: the explicit list replaces the fields.
            Processors = [Spec("""{ "type": "top_k", "k": 2 }"""), Spec("""{ "type": "temperature", "value": 0.5 }""", 1), Spec("""{ "type": "suppress_tokens", "tokens": [0] }""", 2)],
        };

        var chain = Builder.Build(options, Context(options: options), sampling: false);

        chain.Names.Should().Equal("top_k", "temperature", "suppress_tokens");
        var scores = new[] { 4f, 3f, 2f, 1f };
        chain.Process(new LogitsContext([0], 1, 20, [], 0, 0), scores);
        scores.Should().Equal(NegInf, 6f, NegInf, NegInf);
    }

    [Fact]
    public void An_unknown_type_is_reported_at_its_path_with_the_known_names()
    {
        var options = new GenerationOptions { Processors = [Spec("""{ "type": "top_k", "k": 2 }"""), Spec("""{ "type": "topk", "k": 2 }""", 1)] };

        var act = () => Builder.Build(options, Context(options: options), sampling: true);

        var error = act.Should().Throw<GenerationConfigurationException>().Which;
        error.SettingPath.Should().Be("Gpt2Kit:Processors:1");
        error.Message.Should().Contain("'topk'").And.Contain("top_k").And.Contain("repetition_penalty");
    }

    [Fact]
    public void Names_lists_every_registered_factory()
    {
        Builder.Names.Should().BeEquivalentTo(BuiltInProcessors.CreateFactories().Select(f => f.Name));
        Builder.Names.Should().Contain(["repetition_penalty", "no_repeat_ngram", "min_length", "min_new_tokens", "bad_words", "suppress_tokens",
            "temperature", "top_k", "top_p", "min_p", "typical_p", "epsilon_cutoff", "eta_cutoff", "renormalize"]);
    }

    [Fact]
    public void Two_factories_with_one_name_are_rejected_naming_both_types()
    {
        var act = () => new ProcessorChainBuilder([new TopKProcessorFactory(), new RenamedFactory("TOP_K")]);

        act.Should().Throw<ArgumentException>().Which.Message
            .Should().Contain(typeof(TopKProcessorFactory).FullName).And.Contain(typeof(RenamedFactory).FullName);
    }

    [Fact]
    public void A_registered_hamming_diversity_factory_is_placed_after_sequence_bias()
    {
        var hamming = new RenamedFactory("hamming_diversity");
        var builder = new ProcessorChainBuilder([.. BuiltInProcessors.CreateFactories(), hamming]);
        var options = new GenerationOptions { DiversityPenalty = 0.5, SequenceBias = [new SequenceBias([1], 1)], RepetitionPenalty = 1.2, EosTokenId = [50256] };

        var chain = builder.Build(options, Context(options: options), sampling: false);

        chain.Names.Should().Equal("sequence_bias", "hamming_diversity", "repetition_penalty");
        hamming.LastSettings.Should().Be("0.5");
    }

    [Fact]
    public void Dependency_injection_registers_every_factory_once_and_the_builder()
    {
        var services = new ServiceCollection();
        BuiltInProcessors.AddBuiltInProcessors(services);
        BuiltInProcessors.AddBuiltInProcessors(services);
        using var provider = services.BuildServiceProvider();

        provider.GetServices<ILogitsProcessorFactory>().Select(f => f.Name).Should().OnlyHaveUniqueItems()
            .And.HaveCount(BuiltInProcessors.CreateFactories().Count);
        provider.GetRequiredService<ProcessorChainBuilder>().Names.Should().Contain("top_p");
    }

    private static GenerationOptions AllActive() => new()
    {
        EosTokenId = [50256],
        SequenceBias = [new SequenceBias([1, 2], 0.5)],
        EncoderRepetitionPenalty = 1.1,
        RepetitionPenalty = 1.2,
        PresencePenalty = 0.1,
        FrequencyPenalty = 0.2,
        LogitBias = new Dictionary<int, double> { [5] = 1 },
        NoRepeatNgramSize = 3,
        EncoderNoRepeatNgramSize = 2,
        BadWordsIds = [[7]],
        MinLength = 10,
        MinNewTokens = 2,
        ForcedBosTokenId = 0,
        ForcedEosTokenId = [50256],
        RemoveInvalidValues = true,
        ExponentialDecayLengthPenalty = new ExponentialDecayLengthPenalty(2, 1.5),
        SuppressTokens = [9],
        BeginSuppressTokens = [10],
        Temperature = 0.7,
        TopK = 40,
        TopP = 0.9,
        MinP = 0.05,
        TypicalP = 0.95,
        EpsilonCutoff = 0.0003,
        EtaCutoff = 0.0009,
        RenormalizeLogits = true,
    };

    /// <summary>A factory under any name that remembers the settings it was given.</summary>
    private sealed class RenamedFactory(string name) : ILogitsProcessorFactory
    {
        public string Name => name;

        public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

        public string? LastSettings { get; private set; }

        public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
        {
            LastSettings = arguments.GetString("diversity_penalty");
            return new RenormalizeProcessor();
        }
    }
}
