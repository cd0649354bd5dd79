using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>A 256-bit register of floats (<see cref="Vector256{T}"/>).</summary>
internal readonly struct Simd256 : ISimdVector<Simd256>
{
    private readonly Vector256<float> _value;

    private Simd256(Vector256<float> value) => _value = value;

    public static int Count => Vector256<float>.Count;

    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;

    public static Simd256 Zero => new(Vector256<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Create(float value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Load(ref float source, nuint offset) => new(Vector256.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd256 value, ref float destination, nuint offset) => value._value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 MultiplyAdd(Simd256 left, Simd256 right, Simd256 addend) => new(Vector256.MultiplyAddEstimate(left._value, right._value, addend._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Multiply(Simd256 left, Simd256 right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Add(Simd256 left, Simd256 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Simd256 value) => Vector256.Sum(value._value);
}
