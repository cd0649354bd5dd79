using System.Runtime.CompilerServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>A one-lane "register": the kernels' column tails, hardware without SIMD, and the reference in tests.</summary>
internal readonly struct SimdScalar : ISimdVector<SimdScalar>
{
    private readonly float _value;

    private SimdScalar(float value) => _value = value;

    public static int Count => 1;

    public static bool IsHardwareAccelerated => true;

    public static SimdScalar Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Create(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Load(ref float source, nuint offset) => new(Unsafe.Add(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(SimdScalar value, ref float destination, nuint offset) => Unsafe.Add(ref destination, offset) = value._value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar MultiplyAdd(SimdScalar left, SimdScalar right, SimdScalar addend) => new(MathF.FusedMultiplyAdd(left._value, right._value, addend._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Multiply(SimdScalar left, SimdScalar right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Add(SimdScalar left, SimdScalar right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(SimdScalar value) => value._value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar LoadSByte(ref sbyte source, nuint offset) => new(Unsafe.Add(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar LoadUInt16Bits(ref ushort source, nuint offset) => FromBits(Unsafe.Add(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar LoadInt16Bits(ref short source, nuint offset) => FromBits((uint)(int)Unsafe.Add(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar CreateBits(uint bits) => FromBits(bits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar ShiftLeftBits(SimdScalar value, int count) => FromBits(Bits(value) << count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar AndBits(SimdScalar value, SimdScalar mask) => FromBits(Bits(value) & Bits(mask));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar OrBits(SimdScalar value, SimdScalar other) => FromBits(Bits(value) | Bits(other));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar SelectWhereBitsAtLeast(SimdScalar value, SimdScalar threshold, SimdScalar whenTrue, SimdScalar whenFalse) =>
        Bits(value) >= Bits(threshold) ? whenTrue : whenFalse;

    private static uint Bits(SimdScalar value) => BitConverter.SingleToUInt32Bits(value._value);

    private static SimdScalar FromBits(uint bits) => new(BitConverter.UInt32BitsToSingle(bits));
}
