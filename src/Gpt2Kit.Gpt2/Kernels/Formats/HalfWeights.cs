using System.Runtime.CompilerServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>IEEE half-precision weights, widened exactly in registers (.NET exposes no F16C instructions): the exponent and
/// mantissa are moved into fp32 position and rescaled by 2^112, which also turns subnormal halves into the right normal
/// floats; infinities and NaNs get the all-ones exponent; the sign is put back last.</summary>
internal readonly struct HalfWeights : IWeightFormat
{
    private const uint MagnitudeMask = 0x7FFF;
    private const uint SignMask = 0x8000;
    private const uint InfinityOrNaN = 0x7C00;
    private const uint SingleExponentMask = 0x7F800000;
    private const uint TwoToThe112 = 0x77800000;

    public static int ElementSize => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Load<TVec>(ref byte data, ref float scales, nuint index)
        where TVec : struct, ISimdVector<TVec>
    {
        var bits = TVec.LoadUInt16Bits(ref Unsafe.As<byte, ushort>(ref data), index);
        var magnitude = TVec.AndBits(bits, TVec.CreateBits(MagnitudeMask));
        var sign = TVec.ShiftLeftBits(TVec.AndBits(bits, TVec.CreateBits(SignMask)), 16);
        var shifted = TVec.ShiftLeftBits(magnitude, 13);
        var finite = TVec.Multiply(shifted, TVec.CreateBits(TwoToThe112));
        var special = TVec.OrBits(shifted, TVec.CreateBits(SingleExponentMask));
        return TVec.OrBits(TVec.SelectWhereBitsAtLeast(magnitude, TVec.CreateBits(InfinityOrNaN), special, finite), sign);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Get(ref byte data, ref float scales, nuint index) =>
        (float)BitConverter.UInt16BitsToHalf(Unsafe.Add(ref Unsafe.As<byte, ushort>(ref data), index));

    public static bool HasBlockScales => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec LoadUnscaled<TVec>(ref byte data, nuint index)
        where TVec : struct, ISimdVector<TVec> => Load<TVec>(ref data, ref Unsafe.NullRef<float>(), index);

    public static float Scale(ref float scales, nuint index) => 1f;
}
