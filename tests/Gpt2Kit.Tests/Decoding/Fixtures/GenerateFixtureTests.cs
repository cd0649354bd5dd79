using System.Text.Json;
using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Tests.Decoding.Fixtures;

/// <summary>Every case of <c>tests/fixtures/generate.json</c> through the library: ids and beam indices exact, scores
/// within 1e-4, the processor names equal.</summary>
public class GenerateFixtureTests
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        using var document = FixtureJson.Load("generate.json");
        int index = 0;
        foreach (var item in document.RootElement.EnumerateArray())
        {
            data.Add(index++, $"{item.GetProperty("name").GetString()} ({item.GetProperty("checkpoint").GetString()})");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Generation_matches_the_reference(int index, string name)
    {
        using var document = FixtureJson.Load("generate.json");
        var item = document.RootElement[index];
        var expected = item.GetProperty("expected");
        var options = GenerationConfiguration.FromJson(item.GetProperty("config").GetRawText());
        var inputIds = Rows(item.GetProperty("input_ids"));
        var generator = ReferenceModels.Generator(item.GetProperty("checkpoint").GetString()!);

        var result = await generator.GenerateAsync(GenerationRequest.FromIds(inputIds, options));

        GenerationOptionsResolver.Resolve(options, generator.Model).Strategy.Should().Be(expected.GetProperty("mode").GetString(), name);
        result.PromptLength.Should().Be(expected.GetProperty("prompt_length").GetInt32());
        result.Processors.Should().Equal(expected.GetProperty("processors").EnumerateArray().Select(e => e.GetString()), name);
        result.Sequences.Should().BeEquivalentTo(Rows(expected.GetProperty("sequences")), o => o.WithStrictOrdering(), name);
        ExpectClose(result.TransitionScores, expected.GetProperty("transition_scores"), "transition_scores");
        ExpectClose(result.TokenLogprobs, expected.GetProperty("token_logprobs"), "token_logprobs");

        if (expected.GetProperty("sequence_scores").ValueKind == JsonValueKind.Null)
        {
            result.SequenceScores.Should().BeNull();
            result.BeamIndices.Should().BeNull();
        }
        else
        {
            var scores = expected.GetProperty("sequence_scores").EnumerateArray().Select(FixtureJson.ReadFloat).ToArray();
            result.SequenceScores.Should().Equal(scores, (a, b) => Math.Abs(a - b) <= Tolerance, "sequence_scores");
            result.BeamIndices.Should().BeEquivalentTo(Rows(expected.GetProperty("beam_indices")), o => o.WithStrictOrdering(), "beam_indices");
        }
    }

    private static int[][] Rows(JsonElement element) =>
        element.EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();

    private static void ExpectClose(IReadOnlyList<float[]> actual, JsonElement expected, string what)
    {
        var rows = expected.EnumerateArray().Select(r => r.EnumerateArray().Select(FixtureJson.ReadFloat).ToArray()).ToArray();
        actual.Should().HaveCount(rows.Length, what);
        for (int r = 0; r < rows.Length; r++)
        {
            actual[r].Should().Equal(rows[r], (a, b) => Math.Abs(a - b) <= Tolerance || (float.IsNegativeInfinity(a) && float.IsNegativeInfinity(b)),
                $"{what} row {r}");
        }
    }
}
