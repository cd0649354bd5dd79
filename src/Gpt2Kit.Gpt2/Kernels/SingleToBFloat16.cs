namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>Narrows fp32 to bfloat16 with round-to-nearest-even (as torch does), NaN kept as a quiet NaN.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class SingleToBFloat16
{
    /// <summary>The bfloat16 bits of <paramref name="value"/>.</summary>
    public static ushort Convert(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }

        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
