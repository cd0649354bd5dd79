using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 LoadSByte(ref sbyte source, nuint offset)
    {
        ref sbyte start = ref Unsafe.Add(ref source, offset);
        if (Avx512F.IsSupported)
        {
            return new(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref start))));
        }

        var (lower, upper) = Vector128.Widen(Vector128.LoadUnsafe(ref start));
        var (a, b) = Vector128.Widen(lower);
        var (c, d) = Vector128.Widen(upper);
        return new(Vector512.ConvertToSingle(Vector512.Create(Vector256.Create(a, b), Vector256.Create(c, d))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 LoadUInt16Bits(ref ushort source, nuint offset)
    {
        ref ushort start = ref Unsafe.Add(ref source, offset);
        if (Avx512F.IsSupported)
        {
            return new(Avx512F.ConvertToVector512UInt32(Vector256.LoadUnsafe(ref start)).AsSingle());
        }

        var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref start));
        return new(Vector512.Create(lower, upper).AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 LoadInt16Bits(ref short source, nuint offset)
    {
        ref short start = ref Unsafe.Add(ref source, offset);
        if (Avx512F.IsSupported)
        {
            return new(Avx512F.ConvertToVector512Int32(Vector256.LoadUnsafe(ref start)).AsSingle());
        }

        var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref start));
        return new(Vector512.Create(lower, upper).AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 CreateBits(uint bits) => new(Vector512.Create(bits).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 ShiftLeftBits(Simd512 value, int count) => new(Vector512.ShiftLeft(value._value.AsUInt32(), count).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 AndBits(Simd512 value, Simd512 mask) => new(value._value & mask._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 OrBits(Simd512 value, Simd512 other) => new(value._value | other._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 SelectWhereBitsAtLeast(Simd512 value, Simd512 threshold, Simd512 whenTrue, Simd512 whenFalse) =>
        new(Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(value._value.AsUInt32(), threshold._value.AsUInt32()).AsSingle(), whenTrue._value, whenFalse._value));
}
