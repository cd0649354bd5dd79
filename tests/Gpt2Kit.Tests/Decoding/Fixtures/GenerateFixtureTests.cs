using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Tests.Decoding.Fixtures;

/// <summary>Every case of <c>tests/fixtures/generate.json</c> (random weights) and of <c>demo.json</c> (the trained demo
/// checkpoint) through the library: ids and beam indices exact, scores within 1e-4, the processor names equal.</summary>
public class GenerateFixtureTests
{
    public static TheoryData<int, string> Cases() => FixtureCases.GenerateRows();

    public static TheoryData<int, string> DemoCases() => FixtureCases.DemoGenerateRows();

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Generation_matches_the_reference(int index, string name) => Check(FixtureCases.Generate[index], name);

    [Theory]
    [MemberData(nameof(DemoCases))]
    public Task Generation_on_the_demo_checkpoint_matches_the_reference(int index, string name) => Check(FixtureCases.DemoGenerate[index], name);

    private static async Task Check(GenerateCase item, string name)
    {
        var expected = item.Expected;
        var options = GenerationConfiguration.FromJson(item.ConfigJson);
        var generator = ReferenceModels.Generator(item.Checkpoint);

        var result = await generator.GenerateAsync(GenerationRequest.FromIds(item.InputIds, options));

        GenerationOptionsResolver.Resolve(options, generator.Model).Strategy.Should().Be(expected.Mode, name);
        result.PromptLength.Should().Be(expected.PromptLength);
        result.Processors.Should().Equal(expected.Processors, name);
        result.Sequences.Should().BeEquivalentTo(expected.Sequences, o => o.WithStrictOrdering(), name);
        FixtureAssert.CloseRows(result.TransitionScores, expected.TransitionScores, "transition_scores");
        FixtureAssert.CloseRows(result.TokenLogprobs, expected.TokenLogprobs, "token_logprobs");

        if (expected.SequenceScores is null)
        {
            result.SequenceScores.Should().BeNull();
            result.BeamIndices.Should().BeNull();
        }
        else
        {
            FixtureAssert.CloseValues(result.SequenceScores!, expected.SequenceScores, "sequence_scores");
            result.BeamIndices.Should().BeEquivalentTo(expected.BeamIndices, o => o.WithStrictOrdering(), "beam_indices");
        }
    }
}
