using Gpt2Kit.Models;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Gpt2.Tests.Configuration;

/// <summary>config.json and generation_config.json parsing, defaults and validation messages (file and key named).</summary>
public sealed class Gpt2ConfigTests
{
    [Fact]
    public void The_fixture_config_is_read_with_hugging_face_defaults()
    {
        var config = Gpt2Config.Load(FixturePaths.Checkpoint("gpt2-tiny"));
        config.Should().BeEquivalentTo(new
        {
            VocabSize = 50257, ContextLength = 128, HiddenSize = 64, LayerCount = 2, HeadCount = 4, InnerSize = 256, HeadSize = 16,
            LayerNormEpsilon = 1e-5f, Activation = Gpt2Activation.GeluNew, ScaleAttentionWeights = true,
            ScaleAttentionByInverseLayerIndex = false, ReorderAndUpcastAttention = false, TieWordEmbeddings = true,
            BosTokenId = 50256, PadTokenId = (int?)null,
        });
        config.EosTokenIds.Should().Equal(50256);
    }

    [Fact]
    public void Generation_config_overrides_the_special_ids()
    {
        var config = Gpt2Config.Parse(
            """{"n_embd": 8, "n_head": 2, "n_layer": 1, "n_positions": 4, "eos_token_id": 50256, "n_inner": 20}""",
            "config.json",
            """{"eos_token_id": [50256, 198], "pad_token_id": 0}""");
        config.EosTokenIds.Should().Equal(50256, 198);
        config.PadTokenId.Should().Be(0);
        config.BosTokenId.Should().Be(50256);
        config.InnerSize.Should().Be(20);
    }

    [Theory]
    [InlineData("gelu_new", Gpt2Activation.GeluNew)]
    [InlineData("gelu_pytorch_tanh", Gpt2Activation.GeluNew)]
    [InlineData("relu", Gpt2Activation.Relu)]
    [InlineData("silu", Gpt2Activation.Silu)]
    [InlineData("quick_gelu", Gpt2Activation.QuickGelu)]
    [InlineData("gelu", Gpt2Activation.Gelu)]
    public void Supported_activations_are_recognized(string name, Gpt2Activation expected) =>
        Gpt2Config.Parse($$"""{"activation_function": "{{name}}"}""").Activation.Should().Be(expected);

    [Theory]
    [InlineData("""{"activation_function": "mish"}""", "config.json: activation_function 'mish' is not supported; supported: gelu_new, gelu_pytorch_tanh")]
    [InlineData("""{"n_embd": 100, "n_head": 12}""", "config.json: n_embd (100) must be a multiple of n_head (12).")]
    [InlineData("""{"n_layer": 0}""", "config.json: n_layer must be an integer in 1..1024, got 0.")]
    [InlineData("""{"n_positions": -5}""", "config.json: n_positions must be an integer in 1..1048576, got -5.")]
    [InlineData("""{"n_head": "twelve"}""", "config.json: n_head must be an integer, got \"twelve\".")]
    [InlineData("""{"layer_norm_epsilon": 0}""", "config.json: layer_norm_epsilon must be a positive number")]
    [InlineData("""{"scale_attn_weights": 1}""", "config.json: scale_attn_weights must be true or false, got 1.")]
    [InlineData("""{"eos_token_id": 60000}""", "config.json: eos_token_id 60000 is outside the vocabulary 0..50256.")]
    [InlineData("""{"model_type": "llama"}""", "config.json: model_type is 'llama'; this backend loads 'gpt2' checkpoints.")]
    [InlineData("""[1, 2]""", "config.json: expected a JSON object")]
    [InlineData("""{"n_embd": 768,""", "config.json: not valid JSON")]
    public void Invalid_values_name_the_file_and_key(string json, string message) =>
        FluentActions.Invoking(() => Gpt2Config.Parse(json)).Should().Throw<ModelLoadException>().Which.Message.Should().StartWith(message);

    [Fact]
    public void A_malformed_generation_config_is_named()
    {
        FluentActions.Invoking(() => Gpt2Config.Parse("{}", "config.json", """{"eos_token_id": "x"}""", "/m/generation_config.json"))
            .Should().Throw<ModelLoadException>().WithMessage("/m/generation_config.json: eos_token_id must be an integer or a list of integers*");
    }

    [Theory]
    [InlineData("gpt2", 124_439_808L)]
    [InlineData("gpt2-medium", 354_823_168L)]
    [InlineData("gpt2-large", 774_030_080L)]
    [InlineData("gpt2-xl", 1_557_611_200L)]
    public void Presets_have_the_published_parameter_counts(string name, long parameters) =>
        Gpt2Config.FromPreset(name).ParameterCount.Should().Be(parameters);

    [Fact]
    public void The_written_config_reads_back_equal()
    {
        var config = Gpt2Config.FromPreset("gpt2-xl") with { ScaleAttentionByInverseLayerIndex = true, PadTokenId = 0 };
        string generationConfig = config.ToGenerationConfigJson();
        var read = Gpt2Config.Parse(config.ToConfigJson(), "config.json", generationConfig);
        read.Should().BeEquivalentTo(config, o => o.Excluding(c => c.GenerationConfigJson));
        read.GenerationConfigJson.Should().Be(generationConfig, "the model keeps its generation_config.json for the generator's defaults");
    }
}
