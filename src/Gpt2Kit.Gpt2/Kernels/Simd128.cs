using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 LoadSByte(ref sbyte source, nuint offset)
    {
        // Four bytes: one 32-bit load, sign-extended to four 32-bit lanes.
        var bytes = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<int>(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref source, offset)))).AsSByte();
        if (Sse41.IsSupported)
        {
            return new(Sse2.ConvertToVector128Single(Sse41.ConvertToVector128Int32(bytes)));
        }

        return new(Vector128.ConvertToSingle(Vector128.WidenLower(Vector128.WidenLower(bytes))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 LoadUInt16Bits(ref ushort source, nuint offset)
    {
        // Four values: one 64-bit load, zero-extended to four 32-bit lanes.
        var bits = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.As<ushort, byte>(ref Unsafe.Add(ref source, offset)))).AsUInt16();
        return new(Vector128.WidenLower(bits).AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 LoadInt16Bits(ref short source, nuint offset)
    {
        // Four values: one 64-bit load, sign-extended to four 32-bit lanes.
        var bits = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.As<short, byte>(ref Unsafe.Add(ref source, offset)))).AsInt16();
        return new(Vector128.WidenLower(bits).AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 CreateBits(uint bits) => new(Vector128.Create(bits).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 ShiftLeftBits(Simd128 value, int count) => new(Vector128.ShiftLeft(value._value.AsUInt32(), count).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 AndBits(Simd128 value, Simd128 mask) => new(value._value & mask._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 OrBits(Simd128 value, Simd128 other) => new(value._value | other._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 SelectWhereBitsAtLeast(Simd128 value, Simd128 threshold, Simd128 whenTrue, Simd128 whenFalse) =>
        new(Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(value._value.AsUInt32(), threshold._value.AsUInt32()).AsSingle(), whenTrue._value, whenFalse._value));
}
