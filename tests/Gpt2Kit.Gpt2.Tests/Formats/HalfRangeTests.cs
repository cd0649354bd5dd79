using System.Runtime.InteropServices;
using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Tests.Kernels;
using Gpt2Kit.Models;
using Gpt2Kit.Testing;
using Gpt2Kit.Testing.Conformance;

namespace Gpt2Kit.Gpt2.Tests.Formats;

/// <summary>The kernels widen f16 with a short sequence that is exact for finite halves only, so the loader keeps any f16
/// matrix holding an infinity or a NaN (stored, or made by converting a value beyond f16's range) in fp32: logits then
/// match the fp32 model bit for bit, the infinity included.</summary>
public sealed class HalfRangeTests
{
    private const int Row = 7, Column = 3;
    private static readonly int[] Prompt = [11, 464, 3290, 290, 262];

    public static TheoryData<string> Widths => new(SimdWidths.Forced.Select(w => w.ToString()));

    [Theory]
    [MemberData(nameof(Widths))]
    public void The_kernels_widen_every_finite_half_exactly(string widthName)
    {
        var width = Enum.Parse<SimdWidth>(widthName);
        ushort[] bits = Enumerable.Range(0, 1 << 16).Select(i => (ushort)i).Where(b => (b & 0x7C00) != 0x7C00).ToArray();
        float[] output = new float[bits.Length];

        // One input row of 1 over one weight row: each output is 1 · w + (−0), which is w exactly, −0 included.
        float[] negativeZero = Enumerable.Repeat(-0f, bits.Length).ToArray();
        Conv1DStreaming.Compute([1f], 1, new WeightSpan(WeightFormat.F16, MemoryMarshal.AsBytes(bits.AsSpan()), default, 1, bits.Length), negativeZero,
            output, width);

        for (int i = 0; i < bits.Length; i++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf(bits[i]);
            BitConverter.SingleToUInt32Bits(output[i]).Should().Be(BitConverter.SingleToUInt32Bits(expected), $"0x{bits[i]:X4} widens exactly");
        }
    }

    [Fact]
    public void A_stored_f16_matrix_holding_an_infinity_is_computed_in_fp32()
    {
        using var folder = new TempFolder();
        CheckpointFiles.CopyFixture("gpt2-tiny-f16", folder.Path);
        SetElement(folder.File("model.safetensors"), "transformer.wte.weight", BitConverter.GetBytes((ushort)0x7C00));

        using var stored = Gpt2Model.FromPretrained(folder.Path, new ModelLoadOptions { Threads = 1 });
        using var widened = Gpt2Model.FromPretrained(folder.Path, new ModelLoadOptions { Threads = 1, DType = "f32" });

        stored.DType.Should().Be("f32+f16", "the embedding (and tied output layer) holding +inf is kept in fp32, the rest in f16");
        AssertSameLogits(stored, widened);
    }

    [Fact]
    public void A_value_beyond_the_f16_range_keeps_its_matrix_in_fp32_when_converting()
    {
        using var folder = new TempFolder();
        CheckpointFiles.CopyFixture("gpt2-tiny", folder.Path);
        SetElement(folder.File("model.safetensors"), "wte.weight", BitConverter.GetBytes(1e6f));

        using var converted = Gpt2Model.FromPretrained(folder.Path, new ModelLoadOptions { Threads = 1, DType = "f16" });
        using var reference = Gpt2Model.FromPretrained(folder.Path, new ModelLoadOptions { Threads = 1 });

        converted.DType.Should().Be("f32+f16");
        float expected = ModelRuns.LastLogits(reference, Prompt)[Row];
        float actual = ModelRuns.LastLogits(converted, Prompt)[Row];

        // The other matrices are f16 now, so the logit moves a little; as an f16 infinity it would be infinite.
        float.IsFinite(actual).Should().BeTrue("the 1e6 weight is used as it is, not as an f16 infinity");
        actual.Should().BeApproximately(expected, Math.Abs(expected) * 0.01f);
    }

    private static void AssertSameLogits(Gpt2Model actualModel, Gpt2Model expectedModel)
    {
        float[] expected = ModelRuns.LastLogits(expectedModel, Prompt);
        float[] actual = ModelRuns.LastLogits(actualModel, Prompt);
        float.IsInfinity(expected[Row]).Should().BeTrue("the row holding +inf gives an infinite logit");
        MemoryMarshal.AsBytes(actual.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(expected.AsSpan())).Should().BeTrue("the logits match the fp32 model bit for bit");
    }

    // Overwrites element [Row, Column] of a 2-D tensor with the given bytes (one element in the tensor's dtype).
    private static void SetElement(string path, string tensor, byte[] element)
    {
        var (header, data) = CheckpointFiles.Read(path);
        long begin = header[tensor]!["data_offsets"]![0]!.GetValue<long>();
        int columns = header[tensor]!["shape"]![1]!.GetValue<int>();
        element.CopyTo(data, begin + (((long)Row * columns) + Column) * element.Length);
        CheckpointFiles.Write(path, header, data);
    }
}
