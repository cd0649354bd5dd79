using System.Runtime.CompilerServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>fp32 weights.</summary>
internal readonly struct F32Weights : IWeightFormat
{
    public static int ElementSize => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Load<TVec>(ref byte data, ref float scales, nuint index)
        where TVec : struct, ISimdVector<TVec> => TVec.Load(ref Unsafe.As<byte, float>(ref data), index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Get(ref byte data, ref float scales, nuint index) => Unsafe.Add(ref Unsafe.As<byte, float>(ref data), index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Widen<TVec>(ref byte data, ref float scales, nuint index)
        where TVec : struct, ISimdVector<TVec> => Load<TVec>(ref data, ref scales, index);

    public static bool HasBlockScales => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec LoadUnscaled<TVec>(ref byte data, nuint index)
        where TVec : struct, ISimdVector<TVec> => Load<TVec>(ref data, ref Unsafe.NullRef<float>(), index);

    public static float Scale(ref float scales, nuint index) => 1f;
}
