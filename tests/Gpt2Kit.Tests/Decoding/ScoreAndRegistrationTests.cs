using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Models;
using Gpt2Kit.Tests.Decoding.Doubles;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Tests.Decoding;

public class ScoreAndRegistrationTests
{
    [Fact]
    public async Task Score_sums_the_raw_log_probabilities_of_the_continuation()
    {
        var model = FakeGenerators.Hashed();
        var generator = FakeGenerators.Generator(model);

        var score = await generator.ScoreAsync([5, 9, 2], [7, 1, 30]);

        var tokens = new[] { 5, 9, 2, 7, 1, 30 };
        var expected = Enumerable.Range(3, 3)
            .Select(t => Reference.LogSoftmax(FakeLanguageModel.HashedLogits(Reference.History(tokens[..t]), FakeGenerators.SmallVocab))[tokens[t]])
            .ToArray();
        score.TokenLogprobs.Select(v => (double)v).Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-5);
        score.SumLogprob.Should().BeApproximately(expected.Sum(), 1e-4);
    }

    [Fact]
    public async Task Score_checks_its_ids()
    {
        var generator = FakeGenerators.Generator(FakeGenerators.Hashed(contextLength: 8));

        (await generator.Invoking(g => g.ScoreAsync([1, 2], [3, 64])).Should().ThrowAsync<GenerationConfigurationException>())
            .Which.SettingPath.Should().Be("continuation:1");
        (await generator.Invoking(g => g.ScoreAsync([], [3])).Should().ThrowAsync<GenerationConfigurationException>())
            .Which.SettingPath.Should().Be("prompt");
        (await generator.Invoking(g => g.ScoreAsync([1, 2, 3, 4, 5], [1, 2, 3, 4])).Should().ThrowAsync<GenerationConfigurationException>())
            .Which.Message.Should().Contain("context");
        (await generator.ScoreAsync([1], [])).TokenLogprobs.Should().BeEmpty();
    }

    [Fact]
    public async Task AddGpt2Kit_registers_the_strategies_the_criteria_and_a_generator_over_the_model_and_tokenizer()
    {
        var model = FakeGenerators.Hashed(eos: [0]);
        var services = new ServiceCollection();
        services.AddGpt2Kit();
        services.AddGpt2Kit();
        services.AddSingleton<ICausalLanguageModel>(model);
        services.AddSingleton<ITokenizer>(Gpt2Tokenizer.Default);
        services.Configure<GenerationOptions>(o => o.MaxNewTokens = 3);
        using var provider = services.BuildServiceProvider();

        provider.GetServices<ISearchStrategy>().Select(s => s.Name).Should().BeEquivalentTo(
            ["greedy", "sample", "beam", "beam_sample", "group_beam", "contrastive"], "registering twice adds nothing twice");
        provider.GetServices<IStoppingCriterionFactory>().Select(s => s.Name).Should().BeEquivalentTo(["stop_strings", "max_time"]);
        provider.GetServices<ILogitsProcessorFactory>().Select(s => s.Name).Should().Contain(["hamming_diversity", "top_k", "repetition_penalty"]);

        var generator = provider.GetRequiredService<ITextGenerator>();
        generator.Should().BeSameAs(provider.GetRequiredService<ITextGenerator>());
        generator.GetService(typeof(ICausalLanguageModel)).Should().BeSameAs(model);
        generator.GetService(typeof(ITokenizer)).Should().BeSameAs(Gpt2Tokenizer.Default);
        generator.GetService(typeof(ModelInfo)).Should().BeSameAs(model.Info);

        var result = await generator.GenerateAsync(GenerationRequest.FromIds([[5, 6]]));
        result.Sequences[0].Should().HaveCount(5, "the configured default max_new_tokens = 3 applies");
    }

    [Fact]
    public async Task Text_prompts_are_tokenized_and_left_padded_with_a_zero_mask()
    {
        var model = FakeGenerators.Hashed(vocab: 50257, eos: [50256]);
        var generator = FakeGenerators.Generator(model);
        var tokenizer = Gpt2Tokenizer.Default;

        var result = await generator.GenerateAsync(new GenerationRequest
        {
            Prompts = ["Hello, my name is", "Hi"],
            Options = new GenerationOptions { MaxNewTokens = 2 },
        });

        var long_ = tokenizer.Encode("Hello, my name is");
        var short_ = tokenizer.Encode("Hi");
        result.PromptLength.Should().Be(long_.Length);
        result.Sequences[0].Take(long_.Length).Should().Equal(long_);
        result.Sequences[1].Take(long_.Length).Should().Equal(Enumerable.Repeat(50256, long_.Length - short_.Length).Concat(short_));

        var alone = await generator.GenerateAsync(GenerationRequest.FromText("Hi", new GenerationOptions { MaxNewTokens = 2 }));
        result.Sequences[1].Skip(long_.Length).Should().Equal(alone.Sequences[0].Skip(short_.Length), "padding is masked out");
        result.Texts[1].Should().Be(alone.Texts[0]);
    }
}
