using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 LoadSByte(ref sbyte source, nuint offset)
    {
        // Eight bytes: one 64-bit load, sign-extended to eight 32-bit lanes.
        var bytes = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref source, offset)))).AsSByte();
        if (Avx2.IsSupported)
        {
            return new(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(bytes)));
        }

        var (a, b) = Vector128.Widen(Vector128.WidenLower(bytes));
        return new(Vector256.ConvertToSingle(Vector256.Create(a, b)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 LoadUInt16Bits(ref ushort source, nuint offset)
    {
        ref ushort start = ref Unsafe.Add(ref source, offset);
        if (Avx2.IsSupported)
        {
            return new(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref start)).AsSingle());
        }

        var (lower, upper) = Vector128.Widen(Vector128.LoadUnsafe(ref start));
        return new(Vector256.Create(lower, upper).AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 LoadInt16Bits(ref short source, nuint offset)
    {
        ref short start = ref Unsafe.Add(ref source, offset);
        if (Avx2.IsSupported)
        {
            return new(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref start)).AsSingle());
        }

        var (lower, upper) = Vector128.Widen(Vector128.LoadUnsafe(ref start));
        return new(Vector256.Create(lower, upper).AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 CreateBits(uint bits) => new(Vector256.Create(bits).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 ShiftLeftBits(Simd256 value, int count) => new(Vector256.ShiftLeft(value._value.AsUInt32(), count).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 AndBits(Simd256 value, Simd256 mask) => new(value._value & mask._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 OrBits(Simd256 value, Simd256 other) => new(value._value | other._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 SelectWhereBitsAtLeast(Simd256 value, Simd256 threshold, Simd256 whenTrue, Simd256 whenFalse) =>
        new(Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(value._value.AsUInt32(), threshold._value.AsUInt32()).AsSingle(), whenTrue._value, whenFalse._value));
}
