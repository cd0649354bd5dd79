using System.Text.Json;

namespace Gpt2Kit.Testing;

/// <summary>One case of <c>tests/fixtures/generate.json</c>: a checkpoint, left-padded prompt ids and a Hugging Face
/// generation config, with what <c>generate()</c> returned for them.</summary>
/// <param name="Index">The case's position in the file.</param>
/// <param name="Name">The case's name (not unique: some cases run on both checkpoints).</param>
/// <param name="Checkpoint">The checkpoint folder's name (<c>gpt2-tiny</c>, <c>gpt2-tiny-f16</c>).</param>
/// <param name="InputIds">The prompt rows, left-padded.</param>
/// <param name="ConfigJson">The generation config, as the file writes it.</param>
/// <param name="Expected">What the reference returned.</param>
public sealed record GenerateCase(int Index, string Name, string Checkpoint, int[][] InputIds, string ConfigJson, GenerateExpectation Expected)
{
    /// <summary>Name and checkpoint: unique within the file.</summary>
    public string Title => $"{Name} ({Checkpoint})";

    /// <summary>The checkpoint's folder.</summary>
    public string CheckpointPath => FixturePaths.Checkpoint(Checkpoint);

    /// <summary>The prompt rows as JSON (what the CLI's <c>--input-ids</c> takes).</summary>
    public string InputIdsJson => JsonSerializer.Serialize(InputIds);

    internal static GenerateCase Read(JsonElement item, int index)
    {
        var expected = item.GetProperty("expected");
        return new GenerateCase(
            index,
            item.GetProperty("name").GetString()!,
            item.GetProperty("checkpoint").GetString()!,
            FixtureJson.IntRows(item.GetProperty("input_ids")),
            item.GetProperty("config").GetRawText(),
            new GenerateExpectation(
                expected.GetProperty("mode").GetString()!,
                expected.GetProperty("prompt_length").GetInt32(),
                FixtureJson.Strings(expected.GetProperty("processors")),
                FixtureJson.IntRows(expected.GetProperty("sequences")),
                FixtureJson.FloatRows(expected.GetProperty("transition_scores")),
                FixtureJson.FloatRows(expected.GetProperty("token_logprobs")),
                NullOr(expected.GetProperty("sequence_scores"), FixtureJson.Floats),
                NullOr(expected.GetProperty("beam_indices"), FixtureJson.IntRows)));
    }

    private static T? NullOr<T>(JsonElement element, Func<JsonElement, T> read)
        where T : class => element.ValueKind == JsonValueKind.Null ? null : read(element);
}

/// <summary>What Hugging Face <c>generate()</c> returned for a <see cref="GenerateCase"/>.</summary>
/// <param name="Mode">The generation mode (<c>greedy</c>, <c>beam</c>, …).</param>
/// <param name="PromptLength">The padded prompt width.</param>
/// <param name="Processors">The processor names, in the order applied.</param>
/// <param name="Sequences">Prompt and generated ids per returned row.</param>
/// <param name="TransitionScores">Hugging Face's <c>compute_transition_scores</c> per row and step.</param>
/// <param name="TokenLogprobs">The log-softmax of the raw logits at each chosen token.</param>
/// <param name="SequenceScores">The beam scores (beam modes only).</param>
/// <param name="BeamIndices">The beam each step came from (beam modes only).</param>
public sealed record GenerateExpectation(
    string Mode,
    int PromptLength,
    string[] Processors,
    int[][] Sequences,
    float[][] TransitionScores,
    float[][] TokenLogprobs,
    float[]? SequenceScores,
    int[][]? BeamIndices);
