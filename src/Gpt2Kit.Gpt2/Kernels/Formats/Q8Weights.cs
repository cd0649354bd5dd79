using System.Runtime.CompilerServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>8-bit weights: element <c>i</c> is <c>data[i] · scales[i / 32]</c>.</summary>
internal readonly struct Q8Weights : IWeightFormat
{
    /// <summary>Consecutive elements that share one scale.</summary>
    public const int BlockSize = 32;

    public static int ElementSize => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Load<TVec>(ref byte data, ref float scales, nuint index)
        where TVec : struct, ISimdVector<TVec> =>
        TVec.Multiply(TVec.LoadSByte(ref Unsafe.As<byte, sbyte>(ref data), index), TVec.Create(Unsafe.Add(ref scales, index / BlockSize)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Get(ref byte data, ref float scales, nuint index) =>
        Unsafe.Add(ref Unsafe.As<byte, sbyte>(ref data), index) * Unsafe.Add(ref scales, index / BlockSize);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Widen<TVec>(ref byte data, ref float scales, nuint index)
        where TVec : struct, ISimdVector<TVec> => Load<TVec>(ref data, ref scales, index);

    public static bool HasBlockScales => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec LoadUnscaled<TVec>(ref byte data, nuint index)
        where TVec : struct, ISimdVector<TVec> => TVec.LoadSByte(ref Unsafe.As<byte, sbyte>(ref data), index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scale(ref float scales, nuint index) => Unsafe.Add(ref scales, index / BlockSize);
}
