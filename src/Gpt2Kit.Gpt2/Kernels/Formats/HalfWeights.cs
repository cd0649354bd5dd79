using System.Runtime.CompilerServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>IEEE half-precision weights, widened in registers (.NET exposes no F16C instructions).</summary>
/// <remarks>The kernels' <see cref="Load"/> takes four instructions: the sign-extended bits shifted into fp32 position
/// keep the sign in bit 31 and the exponent and mantissa below it, and multiplying by 2^112 rebiases the exponent,
/// which also turns subnormal halves into the right normal floats. That is exact for every finite half; infinities and
/// NaNs would come out as 2^16 and more, so the loader keeps a matrix holding one in fp32 (<see cref="HasNonFinite"/>).
/// <see cref="Widen"/> is exact for every bit pattern.</remarks>
internal readonly struct HalfWeights : IWeightFormat
{
    private const uint MagnitudeMask = 0x7FFF;
    private const uint SignMask = 0x8000;
    private const uint InfinityOrNaN = 0x7C00;
    private const uint SingleExponentMask = 0x7F800000;
    private const uint TwoToThe112 = 0x77800000;

    // After the 13-bit shift: the sign (bit 31) and the exponent and mantissa (bits 13..27); bits 28..30 are copies of the sign.
    private const uint SignExponentMantissa = 0x8FFFE000;

    public static int ElementSize => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Load<TVec>(ref byte data, ref float scales, nuint index)
        where TVec : struct, ISimdVector<TVec>
    {
        if (TVec.Count == 1)
        {
            // The one-lane reference carries bit patterns in a float, and the JIT has been seen to flip this sequence's
            // sign there inside the kernels; the exact sequence costs nothing that matters at that width.
            return Widen<TVec>(ref data, ref scales, index);
        }

        var bits = TVec.LoadInt16Bits(ref Unsafe.As<byte, short>(ref data), index);
        return TVec.Multiply(TVec.AndBits(TVec.ShiftLeftBits(bits, 13), TVec.CreateBits(SignExponentMantissa)), TVec.CreateBits(TwoToThe112));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Widen<TVec>(ref byte data, ref float scales, nuint index)
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

    /// <summary>Whether any of <paramref name="halves"/> is an infinity or a NaN (all exponent bits set).</summary>
    public static bool HasNonFinite(ReadOnlySpan<ushort> halves)
    {
        var exponent = System.Numerics.Vector.Create((ushort)InfinityOrNaN);
        int i = 0;
        for (; i + System.Numerics.Vector<ushort>.Count <= halves.Length; i += System.Numerics.Vector<ushort>.Count)
        {
            if (System.Numerics.Vector.EqualsAny(System.Numerics.Vector.Create(halves[i..]) & exponent, exponent))
            {
                return true;
            }
        }

        for (; i < halves.Length; i++)
        {
            if ((halves[i] & InfinityOrNaN) == InfinityOrNaN)
            {
                return true;
            }
        }

        return false;
    }
}
