using System.Runtime.CompilerServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>bfloat16 weights: each value's bits are the upper half of its fp32 bits, so widening is a shift.</summary>
internal readonly struct BFloat16Weights : IWeightFormat
{
    public static int ElementSize => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Load<TVec>(ref byte data, ref float scales, nuint index)
        where TVec : struct, ISimdVector<TVec> =>
        TVec.ShiftLeftBits(TVec.LoadUInt16Bits(ref Unsafe.As<byte, ushort>(ref data), index), 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Get(ref byte data, ref float scales, nuint index) =>
        BitConverter.UInt32BitsToSingle((uint)Unsafe.Add(ref Unsafe.As<byte, ushort>(ref data), index) << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Widen<TVec>(ref byte data, ref float scales, nuint index)
        where TVec : struct, ISimdVector<TVec> => Load<TVec>(ref data, ref scales, index);

    public static bool HasBlockScales => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec LoadUnscaled<TVec>(ref byte data, nuint index)
        where TVec : struct, ISimdVector<TVec> => Load<TVec>(ref data, ref Unsafe.NullRef<float>(), index);

    public static float Scale(ref float scales, nuint index) => 1f;
}
