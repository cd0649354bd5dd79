using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Tests.Decoding.Layering;

/// <summary>Options are layers merged field by field (library defaults ◄ the model's generation_config.json ◄ application
/// settings ◄ the request): a request that sets only max_new_tokens keeps what the lower layers set.</summary>
public sealed class LayeredOptionsTests : IDisposable
{
    private static readonly int[][] Prompt = [[464, 2068, 7586, 21831, 18045]];
    private readonly TempFolder _folder = new();

    public LayeredOptionsTests()
    {
        foreach (var file in Directory.GetFiles(FixturePaths.Checkpoint("gpt2-tiny")))
        {
            File.Copy(file, _folder.File(Path.GetFileName(file)));
        }

        File.WriteAllText(_folder.File("generation_config.json"), """{ "no_repeat_ngram_size": 2, "repetition_penalty": 1.3, "eos_token_id": 50256 }""");
    }

    public void Dispose() => _folder.Dispose();

    private static GenerationOptions Explicit => new() { MaxNewTokens = 16, NoRepeatNgramSize = 2, RepetitionPenalty = 1.3 };

    [Fact]
    public async Task The_library_merges_the_models_generation_config_under_the_request()
    {
        using var model = Gpt2Model.FromPretrained(_folder.Path);
        var generator = TextGenerator.Create(model, Gpt2Tokenizer.FromFolder(_folder.Path));

        var layered = await generator.GenerateAsync(GenerationRequest.FromIds(Prompt, new GenerationOptions { MaxNewTokens = 16 }));
        var full = await generator.GenerateAsync(GenerationRequest.FromIds(Prompt, Explicit));
        var off = await generator.GenerateAsync(GenerationRequest.FromIds(Prompt, new GenerationOptions { MaxNewTokens = 16, NoRepeatNgramSize = 0, RepetitionPenalty = 1 }));

        layered.Sequences.Should().BeEquivalentTo(full.Sequences, o => o.WithStrictOrdering());
        layered.Processors.Should().Equal("repetition_penalty", "no_repeat_ngram");
        off.Processors.Should().BeEmpty("a request turns a lower layer off with the disabling values");
    }

    [Fact]
    public async Task Dependency_injection_merges_model_settings_and_request_field_by_field()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gpt2Kit:Generation:top_k"] = "7",
        }).Build();
        var services = new ServiceCollection();
        services.AddGpt2Kit(configuration).AddGpt2Model(_folder.Path);
        using var provider = services.BuildServiceProvider();
        var generator = provider.GetRequiredService<ITextGenerator>();

        var layered = await generator.GenerateAsync(GenerationRequest.FromIds(Prompt, new GenerationOptions { MaxNewTokens = 16, DoSample = true, Seed = 3 }));
        var explicitOptions = Explicit;
        explicitOptions.DoSample = true;
        explicitOptions.Seed = 3;
        explicitOptions.TopK = 7;
        var full = await generator.GenerateAsync(GenerationRequest.FromIds(Prompt, explicitOptions));

        layered.Sequences.Should().BeEquivalentTo(full.Sequences, o => o.WithStrictOrdering());
        layered.Processors.Should().Equal("repetition_penalty", "no_repeat_ngram", "top_k");
    }

    [Fact]
    public async Task An_out_of_range_value_reads_the_same_from_the_library_and_from_configuration()
    {
        using var model = Gpt2Model.FromPretrained(_folder.Path);
        var generator = TextGenerator.Create(model, Gpt2Tokenizer.FromFolder(_folder.Path));

        var library = async () => await generator.GenerateAsync(GenerationRequest.FromIds(Prompt, new GenerationOptions { TopP = 1.5 }));
        var fromLibrary = (await library.Should().ThrowAsync<GenerationConfigurationException>()).Which.Message;
        var fromConfiguration = FluentActions.Invoking(() => Gpt2Kit.Configuration.GenerationConfiguration.FromJson("""{ "top_p": 1.5 }"""))
            .Should().Throw<GenerationConfigurationException>().Which.Message;

        fromLibrary.Should().Be("top_p: '1.5' is not allowed; expected a number in [0, 1].");
        fromConfiguration.Should().Be(fromLibrary);
    }

    [Theory]
    [InlineData("""{ "top_k": [] }""", "top_k")]
    [InlineData("""{ "temperature": {} }""", "temperature")]
    [InlineData("""{ "top_p": "0,7" }""", "top_p")]
    public void Containers_and_commas_are_not_numbers(string json, string key)
    {
        var act = () => Gpt2Kit.Configuration.GenerationConfiguration.FromJson(json);

        act.Should().Throw<GenerationConfigurationException>().Which.SettingPath.Should().Be(key);
    }

    [Fact]
    public async Task Sizes_are_bounded_before_anything_is_allocated()
    {
        using var model = Gpt2Model.FromPretrained(_folder.Path);
        var generator = TextGenerator.Create(model, Gpt2Tokenizer.FromFolder(_folder.Path));

        var beams = async () => await generator.GenerateAsync(GenerationRequest.FromIds(Prompt, new GenerationOptions { NumBeams = 100_000 }));
        var tokens = async () => await generator.GenerateAsync(GenerationRequest.FromIds(Prompt, new GenerationOptions { MaxNewTokens = int.MaxValue }));

        (await beams.Should().ThrowAsync<GenerationConfigurationException>()).Which.Message.Should().Contain("num_beams").And.Contain("[1, 10000]");
        (await tokens.Should().ThrowAsync<GenerationConfigurationException>()).Which.SettingPath.Should().Be("max_new_tokens");
    }

    [Fact]
    public async Task Fifty_thousand_bad_words_bind_from_json_in_linear_time()
    {
        using var model = Gpt2Model.FromPretrained(_folder.Path);
        var generator = TextGenerator.Create(model, Gpt2Tokenizer.FromFolder(_folder.Path));
        var vocab = model.Info.VocabSize;
        var badWords = Enumerable.Range(0, vocab - 1).Select(i => new[] { i, (i + 1) % (vocab - 1) }).ToList();

        var json = "{ \"max_new_tokens\": 2, \"bad_words_ids\": [" + string.Join(",", badWords.Select(w => $"[{w[0]},{w[1]}]")) + "] }";

        var bound = Gpt2Kit.Configuration.GenerationConfiguration.FromJson(json);
        var result = await generator.GenerateAsync(GenerationRequest.FromIds(Prompt, bound));

        bound.BadWordsIds.Should().HaveCount(vocab - 1);
        bound.BadWordsIds![0].Should().Equal(badWords[0]);
        bound.BadWordsIds[^1].Should().Equal(badWords[^1]);
        result.Processors.Should().Contain("bad_words");
    }
}
