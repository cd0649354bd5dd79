using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2.Tests.Configuration;

/// <summary>How config.json's text is read (System.Text.Json contracts): the forms Hugging Face writes, and a message
/// naming the file, the key, what it takes and the value as written for every value of the wrong type.</summary>
public sealed class Gpt2ConfigJsonTests
{
    [Fact]
    public void Hugging_face_files_read_as_written_comments_trailing_commas_nulls_aliases_and_foreign_keys_included()
    {
        var config = Gpt2Config.Parse("""
            {
              // written by hand
              "architectures": ["GPT2LMHeadModel"],
              "task_specific_params": { "text-generation": { "do_sample": true, "max_length": 50 } },
              "hidden_size": 32, "num_attention_heads": 4, "num_hidden_layers": 3, "max_position_embeddings": 16,
              "n_inner": null, "layer_norm_epsilon": 1e-6, "activation_function": "quick_gelu",
              "scale_attn_by_inverse_layer_idx": true, "tie_word_embeddings": false,
              "vocab_size": 300, "eos_token_id": [5, 7], "bos_token_id": null, "pad_token_id": 3,
            }
            """);

        config.Should().BeEquivalentTo(new
        {
            HiddenSize = 32, HeadCount = 4, LayerCount = 3, ContextLength = 16, InnerSize = 128, LayerNormEpsilon = 1e-6f,
            Activation = Gpt2Activation.QuickGelu, ScaleAttentionByInverseLayerIndex = true, TieWordEmbeddings = false,
            VocabSize = 300, BosTokenId = (int?)null, PadTokenId = (int?)3,
        });
        config.EosTokenIds.Should().Equal(5, 7);
    }

    [Fact]
    public void The_gpt2_names_win_over_the_generic_aliases_and_absent_special_ids_take_the_gpt2_default()
    {
        var config = Gpt2Config.Parse("""{"n_embd": 64, "hidden_size": 32, "n_head": 4, "num_attention_heads": 2}""");

        (config.HiddenSize, config.HeadCount).Should().Be((64, 4));
        config.BosTokenId.Should().Be(50256, "an absent bos_token_id defaults, unlike an explicit null");
        config.EosTokenIds.Should().Equal(50256);
    }

    [Fact]
    public void A_null_in_generation_config_keeps_the_model_config_value()
    {
        var config = Gpt2Config.Parse("""{"eos_token_id": 7, "pad_token_id": 3}""", "config.json",
            """{"eos_token_id": null, "pad_token_id": null, "bos_token_id": 1, "do_sample": true, "transformers_version": "4.45"}""");

        config.EosTokenIds.Should().Equal(7);
        config.PadTokenId.Should().Be(3);
        config.BosTokenId.Should().Be(1);
    }

    [Theory]
    [InlineData("""{"eos_token_id": [50256, "x"]}""", """config.json: eos_token_id must be an integer or a list of integers, got [50256, "x"].""")]
    [InlineData("""{"eos_token_id": [[1]]}""", "config.json: eos_token_id must be an integer or a list of integers, got [[1]].")]
    [InlineData("""{"eos_token_id": 1.5}""", "config.json: eos_token_id must be an integer or a list of integers, got 1.5.")]
    [InlineData("""{"layer_norm_epsilon": "1e-5"}""", """config.json: layer_norm_epsilon must be a number, got "1e-5".""")]
    [InlineData("""{"activation_function": 5}""", "config.json: activation_function must be a string, got 5.")]
    [InlineData("""{"n_embd": 768.0}""", "config.json: n_embd must be an integer, got 768.0.")]
    [InlineData("""{"n_layer": 99999999999}""", "config.json: n_layer must be an integer, got 99999999999.")]
    [InlineData("""{"tie_word_embeddings": "true"}""", """config.json: tie_word_embeddings must be true or false, got "true".""")]
    [InlineData("""{"n_head": {"value": 12}}""", """config.json: n_head must be an integer, got {"value": 12}.""")]
    public void A_value_of_the_wrong_type_names_the_key_what_it_takes_and_the_value(string json, string message) =>
        FluentActions.Invoking(() => Gpt2Config.Parse(json)).Should().Throw<ModelLoadException>().Which.Message.Should().Be(message);

    [Fact]
    public void A_bad_id_in_generation_config_names_that_file()
    {
        FluentActions.Invoking(() => Gpt2Config.Parse("{}", "config.json", """{"bos_token_id": true}""", "/m/generation_config.json"))
            .Should().Throw<ModelLoadException>().Which.Message.Should().Be("/m/generation_config.json: bos_token_id must be an integer, got true.");
    }
}
