using System.Runtime.InteropServices;
using Gpt2Kit.Gpt2.Kernels;

namespace Gpt2Kit.Gpt2.Tests.Kernels;

/// <summary>The weight formats: widening f16 and bf16 in registers is exact for every bit pattern at every width,
/// narrowing rounds to nearest even like torch, q8 blocks keep every value within half a step of its scale, and rows
/// read back (embedding lookups) are the decoded values.</summary>
public sealed class ConversionKernelTests
{
    public static TheoryData<string> Widths => new(SimdWidths.Forced.Select(w => w.ToString()));

    [Theory]
    [MemberData(nameof(Widths))]
    public void Half_widening_is_exact_for_every_bit_pattern(string widthName)
    {
        var width = Enum.Parse<SimdWidth>(widthName);
        ushort[] bits = Enumerable.Range(0, 1 << 16).Select(i => (ushort)i).ToArray();
        float[] widened = new float[bits.Length];
        WeightRows.Read(new WeightSpan(WeightFormat.F16, MemoryMarshal.AsBytes(bits.AsSpan()), default, 1, bits.Length), 0, widened, width: width);
        for (int i = 0; i < bits.Length; i++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf(bits[i]);
            if (float.IsNaN(expected))
            {
                float.IsNaN(widened[i]).Should().BeTrue($"0x{i:X4} is a NaN");
            }
            else
            {
                BitConverter.SingleToUInt32Bits(widened[i]).Should().Be(BitConverter.SingleToUInt32Bits(expected), $"0x{i:X4} widens exactly");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void BFloat16_widening_puts_the_bits_in_the_upper_half(string widthName)
    {
        var width = Enum.Parse<SimdWidth>(widthName);
        ushort[] bits = Enumerable.Range(0, 1 << 16).Select(i => (ushort)i).ToArray();
        float[] widened = new float[bits.Length];
        WeightRows.Read(new WeightSpan(WeightFormat.BF16, MemoryMarshal.AsBytes(bits.AsSpan()), default, 1, bits.Length), 0, widened, width: width);
        for (int i = 0; i < bits.Length; i++)
        {
            BitConverter.SingleToUInt32Bits(widened[i]).Should().Be((uint)bits[i] << 16);
        }
    }

    [Theory]
    [InlineData(0x3F800000u, (ushort)0x3F80)] // 1.0
    [InlineData(0x3F808000u, (ushort)0x3F80)] // exactly halfway, even stays
    [InlineData(0x3F818000u, (ushort)0x3F82)] // exactly halfway, odd rounds up to even
    [InlineData(0x3F808001u, (ushort)0x3F81)] // just above halfway
    [InlineData(0x7F7FFFFFu, (ushort)0x7F80)] // float.MaxValue rounds to infinity
    public void BFloat16_narrowing_rounds_to_nearest_even(uint floatBits, ushort expected) =>
        SingleToBFloat16.Convert(BitConverter.UInt32BitsToSingle(floatBits)).Should().Be(expected);

    [Fact]
    public void BFloat16_narrowing_keeps_nan()
    {
        ushort bits = SingleToBFloat16.Convert(float.NaN);
        float.IsNaN(BitConverter.UInt32BitsToSingle((uint)bits << 16)).Should().BeTrue();
    }

    [Fact]
    public void F16_encoding_rounds_like_a_half_cast()
    {
        float[] values = [.. KernelData.Random(1000, 21, 70000f), 0f, -0f, 65504f, 65520f, 1e-8f];
        byte[] data = new byte[values.Length * 2];
        WeightEncoding.Encode(values, WeightFormat.F16, data, default);
        MemoryMarshal.Cast<byte, Half>(data).ToArray().Should().Equal(values.Select(v => (Half)v));
    }

    [Fact]
    public void Q8_blocks_scale_by_the_largest_magnitude_and_round_to_the_nearest_step()
    {
        float[] values = [.. KernelData.Random(64, 22, 3f), .. new float[32], 5f, -10f, .. KernelData.Random(30, 23, 0.01f)];
        sbyte[] data = new sbyte[values.Length];
        float[] scales = new float[4];
        WeightEncoding.Encode(values, WeightFormat.Q8, MemoryMarshal.AsBytes(data.AsSpan()), scales);
        for (int block = 0; block < 4; block++)
        {
            var slice = values.AsSpan(block * 32, 32).ToArray();
            float max = slice.Max(MathF.Abs);
            scales[block].Should().Be(max / 127f);
            for (int i = 0; i < 32; i++)
            {
                int index = (block * 32) + i;
                Math.Abs((data[index] * scales[block]) - values[index]).Should().BeLessThanOrEqualTo((scales[block] / 2) * 1.0001f, $"value {index}");
            }
        }

        data.AsSpan(64, 32).ToArray().Should().OnlyContain(q => q == 0, "an all-zero block stays zero");
        data[97].Should().Be(-127, "the largest magnitude maps to ±127");
        FluentActions.Invoking(() => WeightEncoding.Encode([float.NaN, .. new float[31]], WeightFormat.Q8, new byte[32], new float[1]))
            .Should().Throw<ArgumentException>().WithMessage("*cannot be quantized*");
    }

    [Theory]
    [InlineData(nameof(WeightFormat.F32))]
    [InlineData(nameof(WeightFormat.BF16))]
    [InlineData(nameof(WeightFormat.F16))]
    [InlineData(nameof(WeightFormat.Q8))]
    [InlineData(WeightData.Interleaved)]
    public void Rows_read_back_as_the_decoded_values_and_add_onto_a_row(string formatName)
    {
        int rows = formatName == WeightData.Interleaved ? 16 : 5;
        var w = WeightData.Create(formatName, rows, 96, 24, 2f);
        foreach (var width in SimdWidths.Forced)
        {
            foreach (int r in new[] { 3, rows - 1 })
            {
                float[] row = new float[96];
                WeightRows.Read(w.Span, r, row, width: width);
                row.Should().Equal(w.Values.AsSpan(r * 96, 96).ToArray());
                WeightRows.Read(w.Span, 1, row, accumulate: true, width);
                row.Should().Equal(Enumerable.Range(0, 96).Select(i => w.Values[(r * 96) + i] + w.Values[96 + i]));
            }
        }
    }
}
