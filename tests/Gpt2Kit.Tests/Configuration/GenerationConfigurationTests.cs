using System.Text;
using System.Text.Json;
using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Gpt2Kit.Testing;
using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.Tests.Configuration;

public sealed class GenerationConfigurationTests
{
    private static IConfigurationRoot Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    [Fact]
    public void Model_generation_config_json_binds_as_it_is()
    {
        var options = GenerationConfiguration.FromJsonFile(FixturePaths.Get("gpt2-tiny", "generation_config.json"));

        options.BosTokenId.Should().Be(50256);
        options.EosTokenId.Should().Equal(50256);
        options.MaxLength.Should().BeNull("keys the file does not mention stay unset: the library defaults lie under every layer");
        options.TopK.Should().BeNull();
    }

    [Fact]
    public void Every_fixture_config_binds_to_the_values_it_holds()
    {
        foreach (var file in new[] { "generate.json", "process.json" })
        {
            using var document = FixtureJson.Load(file);
            foreach (var testCase in document.RootElement.EnumerateArray())
            {
                var config = testCase.GetProperty("config");
                var options = GenerationConfiguration.FromJson(config.GetRawText());
                foreach (var property in config.EnumerateObject())
                {
                    var bound = GenerationOptionFields.ByKey[property.Name].Property.GetValue(options);
                    Normalize(bound).Should().Be(Normalize(property.Value), $"{file} case {testCase.GetProperty("name")} key {property.Name}");
                }
            }
        }
    }

    // Renders a bound value and a JSON value the same way: numbers invariant, lists in brackets, enums lower-case.
    private static string Normalize(object? value) => value switch
    {
        null => "null",
        JsonElement { ValueKind: JsonValueKind.Array } e => "[" + string.Join(",", e.EnumerateArray().Select(x => Normalize(x))) + "]",
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture),
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!.ToLowerInvariant(),
        JsonElement e => e.GetRawText().ToLowerInvariant(),
        EarlyStopping e => e.ToString().ToLowerInvariant(),
        bool b => b ? "true" : "false",
        string s => s.ToLowerInvariant(),
        System.Collections.IEnumerable list => "[" + string.Join(",", list.Cast<object?>().Select(Normalize)) + "]",
        IConvertible c => c.ToDouble(System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    [Theory]
    [InlineData("50256", new[] { 50256 })]
    [InlineData("[13, 50256]", new[] { 13, 50256 })]
    [InlineData("[]", new int[0])]
    public void Eos_token_id_is_an_int_or_a_list(string json, int[] expected)
    {
        var options = GenerationConfiguration.FromJson($$"""{ "eos_token_id": {{json}}, "forced_eos_token_id": {{json}} }""");

        options.EosTokenId.Should().Equal(expected);
        options.ForcedEosTokenId.Should().Equal(expected);
    }

    [Theory]
    [InlineData("true", EarlyStopping.True)]
    [InlineData("false", EarlyStopping.False)]
    [InlineData("\"never\"", EarlyStopping.Never)]
    public void Early_stopping_accepts_true_false_and_never(string json, EarlyStopping expected) =>
        GenerationConfiguration.FromJson($$"""{ "early_stopping": {{json}} }""").EarlyStopping.Should().Be(expected);

    [Fact]
    public void List_shaped_settings_bind()
    {
        var options = GenerationConfiguration.FromJson("""
            { "bad_words_ids": [[262], [11, 290]],
              "exponential_decay_length_penalty": [5, 1.5],
              "logit_bias": { "50256": -100, "13": 2.5 },
              "suppress_tokens": [1, 2], "begin_suppress_tokens": [3],
              "stop_strings": "\n\n" }
            """);

        options.BadWordsIds.Should().HaveCount(2);
        options.BadWordsIds![0].Should().Equal(262);
        options.BadWordsIds[1].Should().Equal(11, 290);
        options.ExponentialDecayLengthPenalty.Should().Be(new ExponentialDecayLengthPenalty(5, 1.5));
        options.LogitBias.Should().BeEquivalentTo(new Dictionary<int, double> { [50256] = -100, [13] = 2.5 });
        options.SuppressTokens.Should().Equal(1, 2);
        options.BeginSuppressTokens.Should().Equal(3);
        options.StopStrings.Should().Equal("\n\n");
    }

    [Fact]
    public void Sequence_bias_binds_from_hugging_face_pairs_and_from_an_object()
    {
        var fromPairs = GenerationConfiguration.FromJson("""{ "sequence_bias": [[[11, 290], 2.0], [[262], -1.5]] }""").SequenceBias!;
        var fromObject = GenerationConfiguration.FromJson("""{ "sequence_bias": { "11, 290": 2.0, "262": -1.5 } }""").SequenceBias!;

        foreach (var bias in new[] { fromPairs, fromObject })
        {
            bias.Should().HaveCount(2);
            var byLength = bias.OrderByDescending(b => b.Tokens.Length).ToList();
            byLength[0].Tokens.Should().Equal(11, 290);
            byLength[0].Bias.Should().Be(2.0);
            byLength[1].Tokens.Should().Equal(262);
            byLength[1].Bias.Should().Be(-1.5);
        }
    }

    [Fact]
    public void Null_means_not_set()
    {
        var baseOptions = new GenerationOptions { TopK = 10, TopP = 0.5, EosTokenId = [1], MaxNewTokens = 7 };

        var options = GenerationConfiguration.FromJson("""{ "top_k": null, "top_p": null, "eos_token_id": null, "max_new_tokens": null }""", baseOptions);

        options.TopK.Should().BeNull("null is \"not set\": the lower layers decide (top_k 0 turns top-k off)");
        options.TopP.Should().BeNull();
        options.EosTokenId.Should().BeNull();
        options.MaxNewTokens.Should().BeNull();
    }

    [Fact]
    public void Binding_starts_from_a_copy_of_the_base_options()
    {
        var baseOptions = new GenerationOptions { Temperature = 0.7, EosTokenId = [5] };

        var options = GenerationConfiguration.FromJson("""{ "top_p": 0.9 }""", baseOptions);

        options.Temperature.Should().Be(0.7);
        options.TopP.Should().Be(0.9);
        options.EosTokenId.Should().Equal(5);
        options.EosTokenId.Should().NotBeSameAs(baseOptions.EosTokenId);
        baseOptions.TopP.Should().BeNull("the base options are not changed");
    }

    [Fact]
    public void Bind_reads_a_section_and_keys_ignore_case()
    {
        var configuration = Json("""{ "Gpt2Kit": { "Generation": { "MAX_NEW_TOKENS": 64, "do_sample": true, "temperature": 0.8, "seed": 42, "strategy": "beam" } } }""");

        var options = GenerationConfiguration.Bind(configuration.GetSection("Gpt2Kit:Generation"));

        options.MaxNewTokens.Should().Be(64);
        options.DoSample.Should().BeTrue();
        options.Temperature.Should().Be(0.8);
        options.Seed.Should().Be(42);
        options.Strategy.Should().Be("beam");
    }

    [Fact]
    public void Hugging_face_keys_without_effect_on_tokens_are_accepted()
    {
        var options = GenerationConfiguration.FromJson("""
            { "transformers_version": "4.45.0", "_from_model_config": true, "use_cache": true, "output_scores": false,
              "return_dict_in_generate": false, "guidance_scale": null, "force_words_ids": null, "max_length": 30 }
            """);

        options.MaxLength.Should().Be(30);
    }

    [Theory]
    [InlineData("top_p", "1.5", "a number in [0, 1]")]
    [InlineData("top_p", "\"high\"", "a number in [0, 1]")]
    [InlineData("top_k", "-1", "an integer in [0, 1000000]")]
    [InlineData("top_k", "2.5", "an integer in [0, 1000000]")]
    [InlineData("top_k", "[]", "an integer in [0, 1000000]")]
    [InlineData("top_p", "\"0,7\"", "a number in [0, 1]")]
    [InlineData("min_p", "-0.1", "a number in [0, 1]")]
    [InlineData("typical_p", "0", "a number in (0, 1]")]
    [InlineData("repetition_penalty", "0", "a number > 0")]
    [InlineData("num_beams", "0", "an integer in [1, 10000]")]
    [InlineData("max_new_tokens", "0", "an integer in [1, 1000000]")]
    [InlineData("do_sample", "\"yes\"", "true or false")]
    [InlineData("early_stopping", "\"sometimes\"", "true, false or \"never\"")]
    [InlineData("eos_token_id", "-5", "an integer >= 0")]
    public void Wrong_types_and_out_of_range_values_name_path_value_and_range(string key, string json, string allowed)
    {
        var configuration = Json($$"""{ "Gpt2Kit": { "Generation": { "{{key}}": {{json}} } } }""");

        var act = () => GenerationConfiguration.Bind(configuration.GetSection("Gpt2Kit:Generation"));

        var error = act.Should().Throw<GenerationConfigurationException>().Which;
        error.SettingPath.Should().Be($"Gpt2Kit:Generation:{key}");
        error.Value.Should().Be(json.Trim('"'));
        error.Allowed.Should().Be(allowed);
        error.Message.Should().Contain($"Gpt2Kit:Generation:{key}").And.Contain(allowed);
    }

    [Fact]
    public void A_bad_list_element_is_named_by_its_index()
    {
        var act = () => GenerationConfiguration.FromJson("""{ "bad_words_ids": [[262], [11, "x"]] }""");

        act.Should().Throw<GenerationConfigurationException>().Which.SettingPath.Should().Be("bad_words_ids:1:1");
    }

    [Theory]
    [InlineData("""{ "bad_words_ids": [262, 11] }""", "bad_words_ids:0")]
    [InlineData("""{ "bad_words_ids": [[]] }""", "bad_words_ids:0")]
    [InlineData("""{ "exponential_decay_length_penalty": [5] }""", "exponential_decay_length_penalty")]
    [InlineData("""{ "logit_bias": { "x": 1 } }""", "logit_bias:x")]
    [InlineData("""{ "sequence_bias": [[[11], 1.0, 3]] }""", "sequence_bias:0")]
    [InlineData("""{ "max_length": [20] }""", "max_length")]
    public void Malformed_structures_are_rejected_at_their_path(string json, string path) =>
        FluentActions.Invoking(() => GenerationConfiguration.FromJson(json))
            .Should().Throw<GenerationConfigurationException>().Which.SettingPath.Should().Be(path);

    [Fact]
    public void An_unknown_key_is_named_with_near_matches()
    {
        var act = () => GenerationConfiguration.Bind(Json("""{ "G": { "top_pp": 0.9 } }""").GetSection("G"));

        var error = act.Should().Throw<GenerationConfigurationException>().Which;
        error.SettingPath.Should().Be("G:top_pp");
        error.Message.Should().Contain("unknown generation setting 'top_pp'").And.Contain("did you mean 'top_p'");
    }

    [Fact]
    public void A_pascal_case_key_suggests_the_hugging_face_name() =>
        FluentActions.Invoking(() => GenerationConfiguration.FromJson("""{ "MaxNewTokens": 5 }"""))
            .Should().Throw<GenerationConfigurationException>().WithMessage("*'max_new_tokens'*");

    [Fact]
    public void A_set_feature_gpt2kit_does_not_implement_is_rejected()
    {
        var act = () => GenerationConfiguration.FromJson("""{ "guidance_scale": 1.5 }""");

        act.Should().Throw<GenerationConfigurationException>().Which.Message.Should().Contain("guidance_scale").And.Contain("does not implement");
    }

    [Fact]
    public void Malformed_json_gives_the_position()
    {
        var act = () => GenerationConfiguration.FromJson("{ \"top_k\": 5,, }");

        act.Should().Throw<GenerationConfigurationException>().Which.Message.Should().StartWith("JSON: invalid JSON at line 1, position");
    }

    [Fact]
    public void Errors_from_a_file_name_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gpt2kit-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "top_p": 2 }""");
        try
        {
            var act = () => GenerationConfiguration.FromJsonFile(path);

            act.Should().Throw<GenerationConfigurationException>().Which.Message.Should().StartWith($"{path}: top_p: '2'");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_file_over_the_settings_limit_or_a_device_is_refused_before_reading_and_named()
    {
        string huge = Path.Combine(Path.GetTempPath(), $"gpt2kit-{Guid.NewGuid():N}.json");
        using (var stream = File.Create(huge))
        {
            stream.SetLength(Gpt2Kit.Files.BoundedFile.MaxSettingsBytes + 1); // sparse: nothing is written
        }

        try
        {
            FluentActions.Invoking(() => GenerationConfiguration.FromJsonFile(huge))
                .Should().Throw<GenerationConfigurationException>().Which.Message.Should().Be(
                    $"{huge}: the file cannot be read ('{huge}' is {(16 << 20) + 1} bytes; the limit for this file is {16 << 20} bytes.)");
        }
        finally
        {
            File.Delete(huge);
        }

        if (!OperatingSystem.IsWindows())
        {
            // A hang would surface as the TimeoutException of WaitAsync instead of the expected error.
            var read = () => Task.Run(() => GenerationConfiguration.FromJsonFile("/dev/zero")).WaitAsync(TimeSpan.FromSeconds(10));
            (await read.Should().ThrowAsync<GenerationConfigurationException>()).Which.Message.Should().StartWith(
                "/dev/zero: the file cannot be read ('/dev/zero' is empty or not a regular file (a pipe or a device)");
        }
    }

    [Fact]
    public void A_missing_file_is_named() =>
        FluentActions.Invoking(() => GenerationConfiguration.FromJsonFile("/no/such/generation_config.json"))
            .Should().Throw<GenerationConfigurationException>().Which.Message.Should().StartWith("/no/such/generation_config.json: the file cannot be read");

    [Fact]
    public void Every_generation_option_has_a_configuration_key() =>
        GenerationOptionFields.ByKey.Should().HaveCount(
            typeof(GenerationOptions).GetProperties().Count(p => p.Name != nameof(GenerationOptions.Processors)));
}
