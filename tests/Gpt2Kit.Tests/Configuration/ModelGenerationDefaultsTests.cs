using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Tests.Configuration;

/// <summary>A checkpoint's generation_config.json is the first layer over Hugging Face's defaults, under the application's
/// settings and the request, as <c>generate()</c> takes it. The fixture case greedy_no_repeat_ngram (prompt of 3, 24 new
/// tokens, no_repeat_ngram_size 2) is reproduced with its settings moved into the model's file.</summary>
public sealed class ModelGenerationDefaultsTests : IDisposable
{
    private readonly TempFolder _folder = new("gpt2kit-generation-config");
    private readonly GenerateCase _case = FixtureCases.Generate.Single(c => c.Name == "greedy_no_repeat_ngram" && c.Checkpoint == "gpt2-tiny");

    public ModelGenerationDefaultsTests()
    {
        string source = FixturePaths.Checkpoint("gpt2-tiny");
        foreach (string file in new[] { "config.json", "model.safetensors", "vocab.json", "merges.txt" })
        {
            File.CreateSymbolicLink(_folder.File(file), Path.Combine(source, file));
        }

        File.WriteAllText(_folder.File("generation_config.json"),
            """{ "bos_token_id": 50256, "eos_token_id": 50256, "max_length": 27, "no_repeat_ngram_size": 2, "transformers_version": "4.45.0" }""");
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_generator_made_in_code_starts_from_the_models_generation_config()
    {
        using var model = Gpt2Model.FromPretrained(_folder.Path);
        var generator = TextGenerator.Create(model, Gpt2Tokenizer.FromFolder(_folder.Path));

        var result = await generator.GenerateAsync(GenerationRequest.FromIds(_case.InputIds));

        result.Sequences.Should().BeEquivalentTo(_case.Expected.Sequences, o => o.WithStrictOrdering());
        result.Processors.Should().Equal("no_repeat_ngram");
    }

    [Fact]
    public async Task Through_dependency_injection_the_models_config_applies_and_the_applications_settings_win()
    {
        var plain = new ServiceCollection();
        plain.AddGpt2Kit().AddGpt2Model(_folder.Path);
        await using (var provider = plain.BuildServiceProvider())
        {
            var result = await provider.GetRequiredService<ITextGenerator>().GenerateAsync(GenerationRequest.FromIds(_case.InputIds));
            result.Sequences.Should().BeEquivalentTo(_case.Expected.Sequences, o => o.WithStrictOrdering());
        }

        var configured = new ServiceCollection();
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gpt2Kit:Generation:no_repeat_ngram_size"] = "0",
            ["Gpt2Kit:Generation:max_length"] = "5",
        }).Build();
        configured.AddGpt2Kit(settings).AddGpt2Model(_folder.Path);
        await using (var provider = configured.BuildServiceProvider())
        {
            var result = await provider.GetRequiredService<ITextGenerator>().GenerateAsync(GenerationRequest.FromIds(_case.InputIds));
            result.Sequences[0].Should().HaveCount(5, "the application's max_length replaces the model's");
            result.Processors.Should().BeEmpty("the application turned the model's n-gram rule off");
        }
    }

    [Fact]
    public async Task A_request_overrides_the_models_defaults()
    {
        using var model = Gpt2Model.FromPretrained(_folder.Path);
        var generator = TextGenerator.Create(model, Gpt2Tokenizer.FromFolder(_folder.Path));
        var options = generator.DefaultOptions;
        options.MaxNewTokens = 2;

        var result = await generator.GenerateAsync(GenerationRequest.FromIds(_case.InputIds, options));

        result.Sequences[0].Should().Equal(_case.Expected.Sequences[0][..5]);
    }

    [Fact]
    public void A_malformed_generation_config_is_reported_with_the_models_file_and_key()
    {
        File.Delete(_folder.File("generation_config.json"));
        File.WriteAllText(_folder.File("generation_config.json"), """{ "eos_token_id": 50256, "top_p": 7 }""");
        using var model = Gpt2Model.FromPretrained(_folder.Path);

        FluentActions.Invoking(() => TextGenerator.Create(model, Gpt2Tokenizer.FromFolder(_folder.Path)))
            .Should().Throw<GenerationConfigurationException>().WithMessage("*generation_config.json*top_p*7*");
    }
}
