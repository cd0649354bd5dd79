using System.Collections.Concurrent;
using System.Text.Json;
using Gpt2Kit.Gpt2.Benchmarks;
using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Models;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Gpt2.Tests.Formats;

/// <summary>The cases every weight format passes, run on the format (and forced SIMD width) a derived class loads with.
/// A format is exact for a checkpoint when it is fp32 or the format the checkpoint is stored in (widening 16-bit values
/// is exact): then the reference fixtures hold within 1e-4 (<c>logits.json</c> for the random fixtures, <c>demo.json</c>
/// for the trained demo checkpoint). A reduced format (fp32 → bf16, f16 or q8; f16 → bf16 or q8) is held to accuracy
/// bounds against the same checkpoint in fp32 over a text: max |Δlogit|, mean next-token KL and top-1 agreement.
/// Every format also decodes token by token as it prefills, and saves and reloads without converting again.</summary>
/// <param name="dtype">The <see cref="ModelLoadOptions.DType"/> under test (null: as stored).</param>
/// <param name="width">The <c>SimdWidth</c> the kernels are forced to, by name.</param>
/// <param name="maxLogitError">The largest |Δlogit| against fp32 allowed for a reduced format.</param>
/// <param name="maxMeanKl">The largest mean next-token KL divergence against fp32 allowed for a reduced format.</param>
/// <param name="minTop1Agreement">The smallest share of positions whose top token agrees with fp32 for a reduced format.</param>
public abstract class WeightFormatConformanceTests(string? dtype, string width = nameof(SimdWidth.Auto), double maxLogitError = 0, double maxMeanKl = 0,
    double minTop1Agreement = 1)
{
    private static readonly ConcurrentDictionary<(string? DType, SimdWidth Width, string Checkpoint), Lazy<Gpt2Model>> Models = new();

    /// <summary>The two random fixtures and the trained demo checkpoint.</summary>
    public static TheoryData<string> Checkpoints => new() { "gpt2-tiny", "gpt2-tiny-f16", FixturePaths.DemoCheckpoint };

    private string? DType => dtype;

    private SimdWidth Width { get; } = Enum.Parse<SimdWidth>(width);

    [Theory]
    [MemberData(nameof(Checkpoints))]
    public void Exact_formats_match_the_reference_logits_and_reduced_ones_stay_near_them(string checkpoint)
    {
        using var document = checkpoint == FixturePaths.DemoCheckpoint ? FixtureJson.Load("demo.json") : FixtureJson.Load("logits.json");
        var cases = checkpoint == FixturePaths.DemoCheckpoint ? document.RootElement.GetProperty("logits") : document.RootElement;
        var expected = cases.EnumerateArray().Single(c => c.GetProperty("checkpoint").GetString() == checkpoint).GetProperty("expected");
        int[][] ids = FixtureJson.IntRows(expected.GetProperty("input_ids"));
        int[] mask = FixtureJson.IntRows(expected.GetProperty("attention_mask")).SelectMany(r => r).ToArray();
        float[][] reference = FixtureJson.FloatRows(expected.GetProperty("logits"));

        var model = Model(checkpoint);
        int rows = ids.Length, vocab = model.Info.VocabSize;
        int[] positions = new int[mask.Length];
        PositionIds.FromAttentionMask(mask, rows, positions);
        using var session = model.CreateSession(rows, ids[0].Length);
        float[] logits = new float[rows * vocab];
        session.Forward(ids.SelectMany(r => r).ToArray(), positions, mask, logits);

        float bound = IsExact(checkpoint) ? FixtureAssert.Tolerance : (float)maxLogitError;
        for (int r = 0; r < rows; r++)
        {
            MaxAbsDifference(logits.AsSpan(r * vocab, vocab), reference[r]).Should().BeLessThan(bound, $"row {r} of {checkpoint} as {model.DType}");
        }
    }

    [Theory]
    [MemberData(nameof(Checkpoints))]
    public void Next_token_distributions_stay_close_to_fp32_over_a_text(string checkpoint)
    {
        var measured = DTypeAccuracy.Measure(Load(checkpoint, "f32", SimdWidth.Auto), Model(checkpoint), TextTokens());
        if (IsExact(checkpoint))
        {
            measured.MaxAbsLogitError.Should().BeLessThan(FixtureAssert.Tolerance);
            measured.Top1Agreement.Should().Be(1);
            return;
        }

        measured.MaxAbsLogitError.Should().BeLessThan(maxLogitError);
        measured.MeanKl.Should().BeLessThan(maxMeanKl);
        measured.Top1Agreement.Should().BeGreaterThanOrEqualTo(minTop1Agreement);
    }

    [Theory]
    [MemberData(nameof(Checkpoints))]
    public void Token_by_token_decoding_equals_one_all_position_forward(string checkpoint)
    {
        // The decode kernels (streaming) and the prefill kernels (tiled) read the same weights in this format.
        var model = Model(checkpoint);
        int vocab = model.Info.VocabSize, promptLength = 9;
        int[] ids = TextTokens()[..24];
        float[] all = new float[ids.Length * vocab];
        using (var whole = model.CreateSession(1, ids.Length))
        {
            whole.Forward(ids, Enumerable.Range(0, ids.Length).ToArray(), Ones(ids.Length), all, allPositions: true);
        }

        using var session = model.CreateSession(1, ids.Length);
        float[] logits = new float[vocab];
        session.Forward(ids[..promptLength], Enumerable.Range(0, promptLength).ToArray(), Ones(promptLength), logits);
        MaxAbsDifference(logits, all.AsSpan((promptLength - 1) * vocab, vocab)).Should().BeLessThan(FixtureAssert.Tolerance);
        for (int t = promptLength; t < ids.Length; t++)
        {
            session.Forward([ids[t]], [t], [1], logits);
            MaxAbsDifference(logits, all.AsSpan(t * vocab, vocab)).Should().BeLessThan(FixtureAssert.Tolerance, $"position {t}");
        }
    }

    [Fact]
    public void A_saved_model_reloads_in_its_format_without_converting_again()
    {
        using var folder = new TempFolder();
        var model = Model("gpt2-tiny");
        model.Save(folder.Path);
        using var reloaded = Gpt2Model.Load(folder.Path, new ModelLoadOptions { Threads = 2 }, Width);
        reloaded.DType.Should().Be(model.DType);
        reloaded.ConvertedBytes.Should().Be(0, "the saved matrices are used in place");
        reloaded.WeightBytes.Should().Be(model.WeightBytes);
        int[] ids = TextTokens()[..12];
        LastLogits(reloaded, ids).Should().Equal(LastLogits(model, ids), "the same weights give the same logits");
        File.ReadAllText(Path.Combine(folder.Path, "config.json")).Should().Be(File.ReadAllText(FixturePaths.Checkpoint("gpt2-tiny") + "/config.json"));
    }

    private bool IsExact(string checkpoint) =>
        DType is null or "f32" || (DType == "f16" && checkpoint is "gpt2-tiny-f16" or FixturePaths.DemoCheckpoint);

    private Gpt2Model Model(string checkpoint) => Load(checkpoint, DType, Width);

    private static Gpt2Model Load(string checkpoint, string? dtype, SimdWidth width) =>
        Models.GetOrAdd((dtype, width, checkpoint), key => new Lazy<Gpt2Model>(() =>
            Gpt2Model.Load(FixturePaths.Checkpoint(key.Checkpoint), new ModelLoadOptions { Threads = 2, DType = key.DType }, key.Width))).Value;

    // A text in the demo model's world: the reference sequences of demo.json's generation cases, one after another.
    private static int[] TextTokens()
    {
        using var document = FixtureJson.Load("demo.json");
        return document.RootElement.GetProperty("generate").EnumerateArray()
            .SelectMany(c => FixtureJson.IntRows(c.GetProperty("expected").GetProperty("sequences")).SelectMany(r => r))
            .Where(id => id != 50256).Take(96).ToArray();
    }

    private static float[] LastLogits(ICausalLanguageModel model, int[] ids)
    {
        using var session = model.CreateSession(1, ids.Length);
        float[] logits = new float[model.Info.VocabSize];
        session.Forward(ids, Enumerable.Range(0, ids.Length).ToArray(), Ones(ids.Length), logits);
        return logits;
    }

    private static int[] Ones(int count) => Enumerable.Repeat(1, count).ToArray();

    private static float MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }
}

/// <summary>The checkpoints as stored: fp32 stays fp32, f16 stays f16 (exact everywhere).</summary>
public sealed class StoredFormatConformanceTests() : WeightFormatConformanceTests(null);

/// <summary>Everything widened to fp32 at load.</summary>
public sealed class F32ConformanceTests() : WeightFormatConformanceTests("f32");

/// <summary>bf16: 8 bits of mantissa (measured on the fixtures: |Δlogit| ≤ 0.24, mean KL ≤ 3e-4, top-1 ≥ 98 %).</summary>
public sealed class BFloat16ConformanceTests() : WeightFormatConformanceTests("bf16", maxLogitError: 0.5, maxMeanKl: 1e-3, minTop1Agreement: 0.95);

/// <summary>f16: 11 bits of mantissa (measured: |Δlogit| ≤ 0.03, mean KL ≤ 4e-6, top-1 100 %).</summary>
public sealed class HalfConformanceTests() : WeightFormatConformanceTests("f16", maxLogitError: 0.1, maxMeanKl: 1e-4, minTop1Agreement: 0.98);

/// <summary>q8 (measured: |Δlogit| ≤ 0.7, mean KL ≤ 2.5e-3, top-1 ≥ 94 %).</summary>
public sealed class Q8ConformanceTests() : WeightFormatConformanceTests("q8", maxLogitError: 1.5, maxMeanKl: 1e-2, minTop1Agreement: 0.9);

/// <summary>fp32 with the kernels forced to 128-bit registers (the portable fallback on a wider machine).</summary>
public sealed class F32At128BitsConformanceTests() : WeightFormatConformanceTests("f32", nameof(SimdWidth.V128));

/// <summary>q8 with the kernels forced to 128-bit registers.</summary>
public sealed class Q8At128BitsConformanceTests() : WeightFormatConformanceTests("q8", nameof(SimdWidth.V128), 1.5, 1e-2, 0.9);
