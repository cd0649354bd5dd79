using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>A 128-bit register of floats (<see cref="Vector128{T}"/>).</summary>
internal readonly struct Simd128 : ISimdVector<Simd128>
{
    private readonly Vector128<float> _value;

    private Simd128(Vector128<float> value) => _value = value;

    public static int Count => Vector128<float>.Count;

    public static bool IsHardwareAccelerated => Vector128.IsHardwareAccelerated;

    public static Simd128 Zero => new(Vector128<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Create(float value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Load(ref float source, nuint offset) => new(Vector128.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd128 value, ref float destination, nuint offset) => value._value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 MultiplyAdd(Simd128 left, Simd128 right, Simd128 addend) => new(Vector128.MultiplyAddEstimate(left._value, right._value, addend._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Multiply(Simd128 left, Simd128 right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Add(Simd128 left, Simd128 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Simd128 value) => Vector128.Sum(value._value);
}
