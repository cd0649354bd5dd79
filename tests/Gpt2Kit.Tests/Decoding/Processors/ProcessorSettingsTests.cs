using Gpt2Kit.Decoding;
using Gpt2Kit.Decoding.Processors;
using static Gpt2Kit.Tests.Decoding.Processors.ProcessorTestKit;

namespace Gpt2Kit.Tests.Decoding.Processors;

public class ProcessorSettingsTests
{
    [Theory]
    [InlineData("""{ "type": "top_k", "k": 2 }""")]
    [InlineData("""{ "type": "top_k", "top_k": 2 }""")]
    public void A_setting_is_read_under_its_short_name_or_its_hugging_face_alias(string json)
    {
        Run(FromJson(new TopKProcessorFactory(), json), [1f, 3f, 2f, 0f]).Should().Equal(NegInf, 3f, 2f, NegInf);
    }

    [Fact]
    public void Factories_read_their_settings()
    {
        Run(FromJson(new TemperatureProcessorFactory(), """{ "type": "temperature", "value": 0.5 }"""), [1f, -1f]).Should().Equal(2f, -2f);
        Run(FromJson(new RepetitionPenaltyProcessorFactory(), """{ "type": "repetition_penalty", "penalty": 2, "window": 1 }"""), [2f, 2f], ids: [0, 1])
            .Should().Equal(2f, 1f);
        Run(FromJson(new SuppressTokensProcessorFactory(), """{ "type": "suppress_tokens", "tokens": 1 }"""), [2f, 2f]).Should().Equal(2f, NegInf);
        Run(FromJson(new BadWordsProcessorFactory(), """{ "type": "bad_words", "bad_words_ids": [[1], [0, 0]] }"""), [2f, 2f], ids: [0, 0])
            .Should().Equal(NegInf, NegInf);
        Run(FromJson(new SequenceBiasProcessorFactory(), """{ "type": "sequence_bias", "biases": [ { "tokens": [0, 1], "bias": 1.5 } ] }"""), [0f, 0f], ids: [1, 0])
            .Should().Equal(0f, 1.5f);
        Run(FromJson(new SequenceBiasProcessorFactory(), """{ "type": "sequence_bias", "sequence_bias": [ [[1], -1] ] }"""), [0f, 0f])
            .Should().Equal(0f, -1f);
        Run(FromJson(new LogitBiasProcessorFactory(), """{ "type": "logit_bias", "biases": [ [1, 2.5], { "token": 0, "bias": -1 } ] }"""), [0f, 0f])
            .Should().Equal(-1f, 2.5f);
        Run(FromJson(new ExponentialDecayLengthPenaltyProcessorFactory(), """{ "type": "exponential_decay_length_penalty", "exponential_decay_length_penalty": [0, 2] }"""),
            [0f, -2f], ids: [0, 0], promptLength: 1, eos: [1]).Should().Equal(0f, 0f);
    }

    [Theory]
    [InlineData("""{ "type": "temperature", "value": 0 }""", "temperature", "Gpt2Kit:Processors:0:value", "> 0")]
    [InlineData("""{ "type": "top_k", "k": 0 }""", "top_k", "Gpt2Kit:Processors:0:k", ">= 1")]
    [InlineData("""{ "type": "top_k", "top_k": -5 }""", "top_k", "Gpt2Kit:Processors:0:top_k", ">= 1")]
    [InlineData("""{ "type": "top_p", "p": 1.5 }""", "top_p", "Gpt2Kit:Processors:0:p", "[0, 1]")]
    [InlineData("""{ "type": "typical_p", "p": 1 }""", "typical_p", "Gpt2Kit:Processors:0:p", "(0, 1)")]
    [InlineData("""{ "type": "min_p", "min_p": -0.1 }""", "min_p", "Gpt2Kit:Processors:0:min_p", "[0, 1]")]
    [InlineData("""{ "type": "epsilon_cutoff", "epsilon": 1 }""", "epsilon_cutoff", "Gpt2Kit:Processors:0:epsilon", "(0, 1)")]
    [InlineData("""{ "type": "eta_cutoff", "eta_cutoff": 0 }""", "eta_cutoff", "Gpt2Kit:Processors:0:eta_cutoff", "(0, 1)")]
    [InlineData("""{ "type": "repetition_penalty", "penalty": 0 }""", "repetition_penalty", "Gpt2Kit:Processors:0:penalty", "> 0")]
    [InlineData("""{ "type": "repetition_penalty", "penalty": 1.2, "window": -1 }""", "repetition_penalty", "Gpt2Kit:Processors:0:window", "[0, 1000000]")]
    [InlineData("""{ "type": "no_repeat_ngram", "size": 0 }""", "no_repeat_ngram", "Gpt2Kit:Processors:0:size", ">= 1")]
    [InlineData("""{ "type": "suppress_tokens", "tokens": [1, 50257] }""", "suppress_tokens", "Gpt2Kit:Processors:0:tokens:1", "[0, 50256]")]
    [InlineData("""{ "type": "bad_words", "ids": [[1], [2, -1]] }""", "bad_words", "Gpt2Kit:Processors:0:ids:1:1", "[0, 50256]")]
    [InlineData("""{ "type": "forced_bos", "token": 60000 }""", "forced_bos", "Gpt2Kit:Processors:0:token", "[0, 50256]")]
    [InlineData("""{ "type": "presence_penalty", "penalty": 3 }""", "presence_penalty", "Gpt2Kit:Processors:0:penalty", "[-2, 2]")]
    [InlineData("""{ "type": "temperature" }""", "temperature", "Gpt2Kit:Processors:0:value", "required")]
    public void Invalid_settings_name_the_path_the_value_and_the_range(string json, string type, string path, string allowed)
    {
        var factory = BuiltInProcessors.CreateFactories().Single(f => f.Name == type);

        var act = () => FromJson(factory, json);

        var error = act.Should().Throw<GenerationConfigurationException>().Which;
        error.SettingPath.Should().Be(path);
        error.Message.Should().Contain(path).And.Contain(allowed);
    }

    [Fact]
    public void Giving_a_setting_and_its_alias_together_is_an_error()
    {
        var act = () => FromJson(new TopKProcessorFactory(), """{ "type": "top_k", "k": 2, "top_k": 3 }""");
        act.Should().Throw<GenerationConfigurationException>().Which.Message.Should().Contain("'k'").And.Contain("'top_k'");
    }

    [Fact]
    public void Warpers_take_min_tokens_to_keep_from_the_request_unless_set()
    {
        var context = Context(minTokensToKeep: 3);
        Run(FromJson(new TopKProcessorFactory(), """{ "type": "top_k", "k": 1 }""", context), [4f, 3f, 2f, 1f]).Should().Equal(4f, 3f, 2f, NegInf);
        Run(FromJson(new TopKProcessorFactory(), """{ "type": "top_k", "k": 1, "min_keep": 1 }""", context), [4f, 3f, 2f, 1f])
            .Should().Equal(4f, NegInf, NegInf, NegInf);
    }

    [Fact]
    public void Every_factory_declares_the_stage_hugging_face_gives_it()
    {
        string[] warpers = ["temperature", "top_k", "top_p", "min_p", "typical_p", "epsilon_cutoff", "eta_cutoff"];
        foreach (var factory in BuiltInProcessors.CreateFactories())
        {
            factory.Stage.Should().Be(warpers.Contains(factory.Name) ? LogitsProcessorStage.Warper : LogitsProcessorStage.Processor, factory.Name);
        }
    }
}
