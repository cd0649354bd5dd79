using Gpt2Kit.Testing.Conformance;
using Gpt2Kit.Gpt2.Tests.Support;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary>What the managed backend adds to the conformance suite: chunked prompts, the tied output layer and thread counts.</summary>
public sealed class CachedDecodingTests
{
    [Fact]
    public void A_prompt_longer_than_one_chunk_gives_the_same_logits_as_shorter_calls()
    {
        // 3 rows × 90 positions exceed the 256 rows a chunk holds, so the session splits the prompt internally.
        var model = ModelRunner.Model("gpt2-tiny");
        int vocab = model.Info.VocabSize, rows = 3, length = 90;
        int[][] prompts = Enumerable.Range(0, rows).Select(r => ModelRuns.RandomIds(length, seed: 20 + r)).ToArray();
        int[] positions = Enumerable.Range(0, rows).SelectMany(_ => Enumerable.Range(0, length)).ToArray();

        using var session = model.CreateSession(rows, length);
        float[] logits = new float[rows * length * vocab];
        session.Forward(prompts.SelectMany(p => p).ToArray(), positions, ModelRuns.Ones(rows * length), logits, allPositions: true);

        for (int r = 0; r < rows; r++)
        {
            float[] alone = ModelRuns.AllPositionLogits(model, prompts[r]);
            ModelRuns.MaxAbsDifference(logits.AsSpan(r * length * vocab, length * vocab), alone).Should().BeLessThan(1e-4f, $"row {r}");
        }
    }

    [Fact]
    public void Hidden_states_are_the_final_layer_norm_output_and_agree_between_cached_and_uncached_runs()
    {
        var model = ModelRunner.Model("gpt2-tiny");
        int vocab = model.Info.VocabSize, d = model.Info.HiddenSize;
        int[] ids = ModelRuns.RandomIds(9, seed: 9);

        using var full = model.CreateSession(1, ids.Length);
        float[] allLogits = new float[ids.Length * vocab];
        float[] allHidden = new float[ids.Length * d];
        full.Forward(ids, Enumerable.Range(0, ids.Length).ToArray(), ModelRuns.Ones(ids.Length), allLogits, allPositions: true, allHidden);

        using var cached = model.CreateSession(1, ids.Length);
        float[] logits = new float[vocab];
        float[] hidden = new float[d];
        cached.Forward(ids[..8], Enumerable.Range(0, 8).ToArray(), ModelRuns.Ones(8), logits, hiddenStates: hidden);
        ModelRuns.MaxAbsDifference(hidden, allHidden.AsSpan(7 * d, d)).Should().BeLessThan(1e-4f);
        cached.Forward([ids[8]], [8], [1], logits, hiddenStates: hidden);
        ModelRuns.MaxAbsDifference(hidden, allHidden.AsSpan(8 * d, d)).Should().BeLessThan(1e-4f);

        // The logits are the hidden state times the tied embedding (wte, read back from the fixture file).
        var wte = ReadTokenEmbedding();
        for (int v = 0; v < vocab; v += 997)
        {
            double dot = 0;
            for (int i = 0; i < d; i++)
            {
                dot += hidden[i] * wte[(v * d) + i];
            }

            logits[v].Should().BeApproximately((float)dot, 1e-4f);
        }
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        int[] ids = ModelRuns.RandomIds(30, seed: 10);
        float[] reference = ModelRuns.AllPositionLogits(ModelRunner.Model("gpt2-tiny"), ids);
        foreach (int threads in new[] { 1, 3 })
        {
            using var model = Gpt2Model.FromPretrained(Gpt2Kit.Testing.FixturePaths.Checkpoint("gpt2-tiny"), new ModelLoadOptions { Threads = threads });
            ModelRuns.MaxAbsDifference(ModelRuns.AllPositionLogits(model, ids), reference).Should().BeLessThan(1e-4f, $"{threads} threads");
        }
    }

    private static float[] ReadTokenEmbedding()
    {
        var (header, data) = CheckpointFiles.Read(Gpt2Kit.Testing.FixturePaths.Get("gpt2-tiny", "model.safetensors"));
        var offsets = header["wte.weight"]!["data_offsets"]!.AsArray();
        int begin = (int)offsets[0]!, end = (int)offsets[1]!;
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data.AsSpan(begin, end - begin)).ToArray();
    }
}
