using Gpt2Kit.Decoding;
using Gpt2Kit.Decoding.Search;
using Gpt2Kit.Models;
using Gpt2Kit.Tests.Decoding.Doubles;

namespace Gpt2Kit.Tests.Decoding;

public class GenerationOptionsResolverTests
{
    private static readonly ModelInfo Gpt2Like = new()
    {
        Name = "gpt2-like",
        VocabSize = 50257,
        ContextLength = 128,
        HiddenSize = 64,
        EosTokenIds = [50256],
        BosTokenId = 50256,
    };

    [Theory]
    [InlineData(1, 1, false, null, 50, "greedy")]
    [InlineData(1, 1, true, null, 50, "sample")]
    [InlineData(1, 1, false, 0.6, 4, "contrastive")]
    [InlineData(1, 1, false, 0.6, 1, "greedy")]
    [InlineData(1, 1, false, 0.0, 4, "greedy")]
    [InlineData(1, 1, true, 0.6, 4, "sample")]
    [InlineData(4, 1, false, null, 50, "beam")]
    [InlineData(4, 1, true, null, 50, "beam_sample")]
    [InlineData(4, 2, false, null, 50, "group_beam")]
    [InlineData(4, 1, false, 0.6, 4, "beam")]
    public void Mode_is_chosen_in_hugging_face_order(int beams, int groups, bool sample, double? alpha, int topK, string expected)
    {
        var options = new GenerationOptions { NumBeams = beams, NumBeamGroups = groups, DoSample = sample, PenaltyAlpha = alpha, TopK = topK };

        GenerationOptionsResolver.Resolve(options, Gpt2Like).Strategy.Should().Be(expected);
    }

    [Fact]
    public void An_explicit_strategy_wins_over_the_fields()
    {
        var options = new GenerationOptions { NumBeams = 4, Strategy = "sample" };

        GenerationOptionsResolver.Resolve(options, Gpt2Like).Strategy.Should().Be("sample");
    }

    [Fact]
    public void Special_ids_come_from_the_model_and_pad_is_the_first_eos()
    {
        var resolved = GenerationOptionsResolver.Resolve(new GenerationOptions(), Gpt2Like);

        resolved.EosTokenIds.Should().Equal(50256);
        resolved.Options.BosTokenId.Should().Be(50256);
        resolved.PadTokenId.Should().Be(50256);

        var own = GenerationOptionsResolver.Resolve(new GenerationOptions { EosTokenId = [13, 50256] }, Gpt2Like);
        own.EosTokenIds.Should().Equal(13, 50256);
        own.PadTokenId.Should().Be(13);
    }

    [Fact]
    public void Resolving_copies_the_options()
    {
        var options = new GenerationOptions();

        GenerationOptionsResolver.Resolve(options, Gpt2Like);

        options.EosTokenId.Should().BeNull();
        options.PadTokenId.Should().BeNull();
    }

    [Fact]
    public void Max_new_tokens_sets_max_length_from_the_prompt_and_min_new_tokens_sets_min_length()
    {
        var resolved = GenerationOptionsResolver.Resolve(new GenerationOptions { MaxNewTokens = 10, MinNewTokens = 5, MaxLength = 3 }, Gpt2Like);

        var options = GenerationOptionsResolver.Finish(resolved, promptLength: 7, prompts: 1, Gpt2Like);

        options.MaxLength.Should().Be(17);
        options.MinLength.Should().Be(12);
        options.MinNewTokens.Should().Be(5);
    }

    [Fact]
    public void The_same_seed_gives_the_same_random_draws()
    {
        var a = GenerationOptionsResolver.CreateRandom(1234567890123L);
        var b = GenerationOptionsResolver.CreateRandom(1234567890123L);
        var c = GenerationOptionsResolver.CreateRandom(42);

        var drawsA = Enumerable.Range(0, 8).Select(_ => a.NextDouble()).ToArray();
        drawsA.Should().Equal(Enumerable.Range(0, 8).Select(_ => b.NextDouble()));
        drawsA.Should().NotEqual(Enumerable.Range(0, 8).Select(_ => c.NextDouble()));
    }

    public static TheoryData<string, Action<GenerationOptions>, string> InvalidOptions => new()
    {
        { "temperature 0 when sampling", o => { o.DoSample = true; o.Temperature = 0; }, "temperature" },
        { "negative temperature", o => { o.DoSample = true; o.Temperature = -1; }, "temperature" },
        { "temperature 0 in beam sampling", o => { o.DoSample = true; o.NumBeams = 2; o.Temperature = 0; }, "temperature" },
        { "top_p below 0", o => o.TopP = -0.1, "top_p" },
        { "top_p above 1", o => o.TopP = 1.5, "top_p" },
        { "negative top_k", o => o.TopK = -1, "top_k" },
        { "min_p above 1", o => o.MinP = 1.5, "min_p" },
        { "negative min_p", o => o.MinP = -0.1, "min_p" },
        { "repetition_penalty 0", o => o.RepetitionPenalty = 0, "repetition_penalty" },
        { "negative repetition_penalty", o => o.RepetitionPenalty = -2, "repetition_penalty" },
        { "more return sequences than beams", o => { o.NumBeams = 2; o.NumReturnSequences = 3; }, "num_return_sequences" },
        { "return sequences in greedy", o => o.NumReturnSequences = 2, "num_return_sequences" },
        { "return sequences in contrastive", o => { o.PenaltyAlpha = 0.6; o.TopK = 4; o.NumReturnSequences = 2; }, "num_return_sequences" },
        { "groups not dividing beams", o => { o.NumBeams = 4; o.NumBeamGroups = 3; o.DiversityPenalty = 1; }, "num_beam_groups" },
        { "groups without diversity", o => { o.NumBeams = 4; o.NumBeamGroups = 2; }, "diversity_penalty" },
        { "negative diversity", o => { o.NumBeams = 4; o.NumBeamGroups = 2; o.DiversityPenalty = -1; }, "diversity_penalty" },
        { "zero beams", o => o.NumBeams = 0, "num_beams" },
        { "max_new_tokens 0", o => o.MaxNewTokens = 0, "max_new_tokens" },
        { "negative max_new_tokens", o => o.MaxNewTokens = -3, "max_new_tokens" },
        { "negative min_length", o => o.MinLength = -1, "min_length" },
        { "negative min_new_tokens", o => o.MinNewTokens = -1, "min_new_tokens" },
        { "max_length not above the prompt", o => o.MaxLength = 3, "max_length" },
        { "beyond the context", o => o.MaxNewTokens = 100, "max_new_tokens" },
        { "max_length beyond the context", o => o.MaxLength = 200, "max_length" },
        { "eos outside the vocabulary", o => o.EosTokenId = [5, 64], "eos_token_id:1" },
        { "pad outside the vocabulary", o => o.PadTokenId = -1, "pad_token_id" },
        { "empty stop string", o => o.StopStrings = ["ok", ""], "stop_strings:1" },
        { "negative max_time", o => o.MaxTime = -1, "max_time" },
        { "unknown strategy", o => o.Strategy = "nucleus-beam", "strategy" },
        { "negative penalty_alpha", o => o.PenaltyAlpha = -0.5, "penalty_alpha" },
        { "negative no_repeat_ngram_size", o => o.NoRepeatNgramSize = -2, "no_repeat_ngram_size" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public async Task Invalid_options_fail_before_any_model_work_naming_the_option(string because, Action<GenerationOptions> change, string path)
    {
        var model = FakeGenerators.Hashed(eos: [0], contextLength: 64);
        var generator = FakeGenerators.Generator(model);
        var options = new GenerationOptions { MaxNewTokens = 4 };
        options.MaxNewTokens = null;
        options.MaxLength = 8;
        change(options);

        var act = () => generator.GenerateAsync(GenerationRequest.FromIds([[5, 6, 7]], options));

        var error = (await act.Should().ThrowAsync<GenerationConfigurationException>(because)).Which;
        error.SettingPath.Should().Be(path, because);
        error.Message.Should().Contain(path);
        model.ForwardCalls.Should().Be(0, "validation happens before the model runs");
    }

    [Fact]
    public async Task An_empty_prompt_needs_a_bos_id()
    {
        var withoutBos = FakeGenerators.Generator(FakeGenerators.Hashed(eos: [0]));
        var act = () => withoutBos.GenerateAsync(GenerationRequest.FromIds([[]], new GenerationOptions { MaxNewTokens = 2 }));
        (await act.Should().ThrowAsync<GenerationConfigurationException>()).Which.SettingPath.Should().Be("input_ids:0");

        var textAct = () => withoutBos.GenerateAsync(GenerationRequest.FromText("", new GenerationOptions { MaxNewTokens = 2 }));
        (await textAct.Should().ThrowAsync<GenerationConfigurationException>()).Which.SettingPath.Should().Be("prompts:0");

        var withBos = FakeGenerators.Generator(FakeGenerators.Hashed(eos: [0], bos: 1));
        var result = await withBos.GenerateAsync(GenerationRequest.FromIds([[]], new GenerationOptions { MaxNewTokens = 2 }));
        result.PromptLength.Should().Be(1);
        result.Sequences[0][0].Should().Be(1, "an empty prompt starts from [bos]");
    }

    [Fact]
    public async Task Prompt_ids_outside_the_vocabulary_are_named()
    {
        var generator = FakeGenerators.Generator(FakeGenerators.Hashed(eos: [0]));

        var act = () => generator.GenerateAsync(GenerationRequest.FromIds([[1, 2], [3, 99]], new GenerationOptions { MaxNewTokens = 2 }));

        var error = (await act.Should().ThrowAsync<GenerationConfigurationException>()).Which;
        error.SettingPath.Should().Be("input_ids:1:1");
        error.Message.Should().Contain("99");
    }
}
