using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>A 512-bit register of floats (<see cref="Vector512{T}"/>).</summary>
internal readonly struct Simd512 : ISimdVector<Simd512>
{
    private readonly Vector512<float> _value;

    private Simd512(Vector512<float> value) => _value = value;

    public static int Count => Vector512<float>.Count;

    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;

    public static Simd512 Zero => new(Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Create(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Load(ref float source, nuint offset) => new(Vector512.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd512 value, ref float destination, nuint offset) => value._value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 MultiplyAdd(Simd512 left, Simd512 right, Simd512 addend) => new(Vector512.MultiplyAddEstimate(left._value, right._value, addend._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Multiply(Simd512 left, Simd512 right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Add(Simd512 left, Simd512 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Simd512 value) => Vector512.Sum(value._value);
}
