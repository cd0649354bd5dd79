using Gpt2Kit.Decoding;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Tests.Plugins;

/// <summary>The XTC plugin's processors, loaded from its build output as a host loads them.</summary>
public sealed class XtcAndDryPluginTests : IDisposable
{
    private readonly PluginFolder _folder = new PluginFolder().Add(PluginFolder.Xtc);
    private readonly ServiceProvider _provider;

    public XtcAndDryPluginTests()
    {
        var services = new ServiceCollection();
        new Gpt2KitBuilder(services).AddPluginsFrom(_folder.Path);
        _provider = services.BuildServiceProvider();
    }

    public void Dispose()
    {
        _provider.Dispose();
        _folder.Dispose();
    }

    private ILogitsProcessor Create(string type, long? seed = 1, params (string, string?)[] settings) =>
        _provider.GetServices<ILogitsProcessorFactory>().Single(f => f.Name == type)
            .Create(new ProcessorArguments(ProcessorSpec.Create(type, settings)), ProcessorTestContext.Create(seed));

    // Probabilities 0.4, 0.3, 0.15, 0.11, 0.02, 0.02 (and two tokens at 0), as log-probabilities.
    private static float[] Scores() =>
        [MathF.Log(0.3f), MathF.Log(0.02f), MathF.Log(0.4f), MathF.Log(0.11f), float.NegativeInfinity, MathF.Log(0.15f), MathF.Log(0.02f), float.NegativeInfinity];

    [Fact]
    public void Xtc_with_probability_one_removes_the_top_choices_except_the_least_likely()
    {
        var scores = Scores();
        var before = Scores();

        Create("xtc", settings: [("probability", "1"), ("threshold", "0.1")]).Process(ProcessorTestContext.Logits([1, 2, 3]), scores);

        // Tokens 2 (0.4), 0 (0.3), 5 (0.15) go; token 3 (0.11) is the least likely top choice and stays.
        scores.Should().Equal(float.NegativeInfinity, before[1], float.NegativeInfinity, before[3], float.NegativeInfinity, float.NegativeInfinity, before[6], float.NegativeInfinity);
    }

    [Fact]
    public void Xtc_threshold_is_on_probability_not_on_raw_score()
    {
        // Shifting every score leaves the probabilities, and so the result, unchanged.
        var scores = Scores().Select(s => s + 7.5f).ToArray();

        Create("xtc", settings: [("probability", "1"), ("threshold", "0.12")]).Process(ProcessorTestContext.Logits([1]), scores);

        scores.Select(float.IsFinite).Should().Equal(new[] { false, true, false, true, false, true, true, false },
            "0.4 and 0.3 go, 0.15 is the least likely at or above 0.12 and stays, 0.11 was never a top choice");
    }

    [Theory]
    [InlineData("0", "0.1")]
    [InlineData("1", "0.6")]
    [InlineData("1", "0.35")]
    public void Xtc_leaves_scores_alone_when_disabled_or_fewer_than_two_tokens_reach_the_threshold(string probability, string threshold)
    {
        var scores = Scores();

        Create("xtc", settings: [("probability", probability), ("threshold", threshold)]).Process(ProcessorTestContext.Logits([1]), scores);

        scores.Should().Equal(Scores());
    }

    [Fact]
    public void Xtc_acts_on_a_seeded_share_of_steps()
    {
        static bool[] Decisions(ILogitsProcessor processor) => Enumerable.Range(0, 400).Select(_ =>
        {
            var scores = Scores();
            processor.Process(ProcessorTestContext.Logits([1]), scores);
            return float.IsNegativeInfinity(scores[2]);
        }).ToArray();

        var first = Decisions(Create("xtc", seed: 42, ("probability", "0.3")));
        var again = Decisions(Create("xtc", seed: 42, ("probability", "0.3")));
        var other = Decisions(Create("xtc", seed: 43, ("probability", "0.3")));

        again.Should().Equal(first, "the same seed gives the same decisions");
        other.Should().NotEqual(first);
        first.Count(acted => acted).Should().BeInRange(80, 160, "it acts on about 30% of 400 steps");
    }

    [Fact]
    public void Xtc_rejects_out_of_range_settings_with_their_path() =>
        FluentActions.Invoking(() => Create("xtc", settings: [("probability", "1.5")]))
            .Should().Throw<GenerationConfigurationException>().Which.Message.Should().Be("xtc:probability: '1.5' is not allowed; expected a number in [0, 1].");

    [Fact]
    public void Dry_penalizes_the_token_that_would_extend_a_repeat()
    {
        // "1 2 3 4 1 2 3" with no breakers (an empty JSON list reads as ""): after "1 2 3" came 4 before, so 4 would extend a repeat of length 3.
        var scores = new float[8];

        Create("dry", settings: [("multiplier", "0.8"), ("base", "1.75"), ("allowed_length", "2"), ("sequence_breakers", "")])
            .Process(ProcessorTestContext.Logits([1, 2, 3, 4, 1, 2, 3]), scores);

        var expected = new float[8];
        expected[4] = -(float)(0.8 * Math.Pow(1.75, 3 - 2));
        scores.Should().Equal(expected);
    }

    [Fact]
    public void Dry_takes_the_longest_repeat_per_token_and_ignores_short_ones()
    {
        // The text ends in "1 5 6"; "1 5 6" was followed by 2 before, and "9 5 6" by 7.
        int[] ids = [1, 5, 6, 2, 9, 5, 6, 7, 3, 1, 5, 6];
        var scores = new float[10];

        Create("dry", settings: [("multiplier", "1"), ("base", "2"), ("allowed_length", "2")]).Process(ProcessorTestContext.Logits(ids), scores);

        // "1 5 6" occurred before 2 (repeat length 3): penalty 1·2^(3−2) = 2. "5 6" occurred before 7 (length 2, the token
        // before was 9, not 1): penalty 1·2^0 = 1.
        scores[2].Should().Be(-2f);
        scores[7].Should().Be(-1f);
        scores.Where((_, id) => id is not 2 and not 7).Should().OnlyContain(s => s == 0f);
    }

    [Fact]
    public void Dry_repeats_do_not_run_across_sequence_breakers()
    {
        var scores = new float[8];

        Create("dry", settings: [("multiplier", "0.8"), ("allowed_length", "2"), ("sequence_breakers", "2")])
            .Process(ProcessorTestContext.Logits([1, 2, 3, 4, 1, 2, 3]), scores);

        scores.Should().OnlyContain(s => s == 0f, "the repeat of '1 2 3' is cut at the breaker 2, leaving length 1 < 2");
    }

    [Fact]
    public void Dry_only_looks_at_the_last_n_tokens()
    {
        var scores = new float[8];

        Create("dry", settings: [("penalty_last_n", "4")]).Process(ProcessorTestContext.Logits([1, 2, 3, 4, 1, 2, 3]), scores);

        scores.Should().OnlyContain(s => s == 0f, "the earlier '1 2 3 4' is outside the last 4 tokens");
    }
}
