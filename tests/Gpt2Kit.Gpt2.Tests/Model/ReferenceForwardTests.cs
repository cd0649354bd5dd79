using Gpt2Kit.Testing.Conformance;
using Gpt2Kit.Testing;
using Gpt2Kit.Gpt2.SafeTensors;
using Gpt2Kit.Gpt2.Tests.Support;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary>The backend against a naive double-precision GPT-2 on random checkpoints of shapes the fixtures lack: widths
/// and head sizes that are not multiples of a SIMD register, 5 and 25 heads, other activations and attention scalings.</summary>
public sealed class ReferenceForwardTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public static TheoryData<int, int, int, string, bool, bool> Shapes => new()
    {
        // n_embd, n_head, n_inner, activation, scale_attn_weights, scale_attn_by_inverse_layer_idx
        { 40, 5, 72, "silu", true, false },
        { 100, 25, 400, "gelu_new", true, true },
        { 48, 3, 96, "quick_gelu", false, false },
        { 24, 2, 50, "relu", true, false },
        { 36, 4, 80, "gelu", true, false },
    };

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(Shapes))]
    public void All_position_logits_match_the_reference(int hidden, int heads, int inner, string activation, bool scaleWeights, bool inverseLayer)
    {
        var config = Gpt2Config.Parse($$"""
            {"model_type": "gpt2", "vocab_size": 300, "n_positions": 32, "n_embd": {{hidden}}, "n_head": {{heads}}, "n_layer": 3,
             "n_inner": {{inner}}, "activation_function": "{{activation}}", "scale_attn_weights": {{(scaleWeights ? "true" : "false")}},
             "scale_attn_by_inverse_layer_idx": {{(inverseLayer ? "true" : "false")}}, "eos_token_id": 299, "bos_token_id": 299}
            """);
        Gpt2RandomCheckpoint.Write(_folder.Path, config, SafeTensorsDType.F32, seed: 11);

        // The random initialization is small; make the blocks matter by using larger weights for this test.
        ScaleWeights(_folder.Path, 12f);

        int[] ids = ModelRuns.RandomIds(11, seed: 3, vocab: 300);
        var expected = new ReferenceGpt2(_folder.Path).Logits(ids);
        using var model = Gpt2Model.FromPretrained(_folder.Path, new ModelLoadOptions { Threads = 2 });
        float[] logits = ModelRuns.AllPositionLogits(model, ids);
        for (int t = 0; t < ids.Length; t++)
        {
            KernelsMaxError(logits.AsSpan(t * 300, 300), expected[t]).Should().BeLessThan(1e-4, $"position {t}");
        }

        // And decoding through the cache agrees too.
        using var session = model.CreateSession(1, ids.Length);
        float[] step = new float[300];
        session.Forward(ids[..4], [0, 1, 2, 3], [1, 1, 1, 1], step);
        for (int t = 4; t < ids.Length; t++)
        {
            session.Forward([ids[t]], [t], [1], step);
            KernelsMaxError(step, expected[t]).Should().BeLessThan(1e-4, $"cached position {t}");
        }
    }

    private static double KernelsMaxError(ReadOnlySpan<float> actual, double[] expected)
    {
        double max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
        }

        return max;
    }

    private static void ScaleWeights(string folder, float factor)
    {
        string path = Path.Combine(folder, "model.safetensors");
        var (header, data) = CheckpointFiles.Read(path);
        var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data.AsSpan());
        var random = new Random(5);
        foreach (var (name, entry) in header)
        {
            if (name == "__metadata__")
            {
                continue;
            }

            var offsets = entry!["data_offsets"]!.AsArray();
            int begin = (int)offsets[0]! / 4, end = (int)offsets[1]! / 4;
            bool isBiasOrNorm = name.EndsWith(".bias", StringComparison.Ordinal) || name.Contains("ln_", StringComparison.Ordinal);
            for (int i = begin; i < end; i++)
            {
                // Weights grow; biases and norms get random values so they are exercised too.
                floats[i] = isBiasOrNorm ? floats[i] + (float)((random.NextDouble() - 0.5) * 0.4) : floats[i] * factor;
            }
        }

        CheckpointFiles.Write(path, header, data);
    }
}
