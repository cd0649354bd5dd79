using System.Runtime.InteropServices;
using Gpt2Kit.Gpt2.Kernels;

namespace Gpt2Kit.Gpt2.Tests.Kernels;

/// <summary>Widening F16/BF16 weights is exact, and narrowing to BF16 rounds to nearest even like torch.</summary>
public sealed class ConversionKernelTests
{
    [Fact]
    public void Half_widening_is_exact()
    {
        Half[] halves = [(Half)0f, (Half)(-0f), (Half)1.5f, (Half)(-65504f), Half.Epsilon, Half.PositiveInfinity, (Half)0.1f, .. KernelData.Random(37, 15).Select(v => (Half)v)];
        float[] widened = new float[halves.Length];
        HalfToSingle.Convert(MemoryMarshal.AsBytes(halves.AsSpan()), widened);
        widened.Should().Equal(halves.Select(h => (float)h));
    }

    [Fact]
    public void BFloat16_widening_puts_the_bits_in_the_upper_half()
    {
        ushort[] bits = Enumerable.Range(0, 41).Select(i => (ushort)((i * 1601) & 0xFFFF)).Append((ushort)0x3F80).ToArray();
        float[] widened = new float[bits.Length];
        BFloat16ToSingle.Convert(MemoryMarshal.AsBytes(bits.AsSpan()), widened);
        for (int i = 0; i < bits.Length; i++)
        {
            BitConverter.SingleToUInt32Bits(widened[i]).Should().Be((uint)bits[i] << 16);
        }

        widened[^1].Should().Be(1f);
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
}
