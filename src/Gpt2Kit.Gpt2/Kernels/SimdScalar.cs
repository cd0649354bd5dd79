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
}
