namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>One SIMD register of floats, so that each kernel is written once and specialized by the JIT for
/// <see cref="Simd512"/>, <see cref="Simd256"/>, <see cref="Simd128"/> or <see cref="SimdScalar"/> (tails and tests).</summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
internal interface ISimdVector<TSelf>
    where TSelf : struct, ISimdVector<TSelf>
{
    /// <summary>Floats per register.</summary>
    static abstract int Count { get; }

    /// <summary>Whether this width runs on hardware instructions here.</summary>
    static abstract bool IsHardwareAccelerated { get; }

    /// <summary>All lanes zero.</summary>
    static abstract TSelf Zero { get; }

    /// <summary>All lanes <paramref name="value"/>.</summary>
    static abstract TSelf Create(float value);

    /// <summary>Loads <see cref="Count"/> floats at <paramref name="source"/> + <paramref name="offset"/> (no alignment needed).</summary>
    static abstract TSelf Load(ref float source, nuint offset);

    /// <summary>Stores the lanes at <paramref name="destination"/> + <paramref name="offset"/>.</summary>
    static abstract void Store(TSelf value, ref float destination, nuint offset);

    /// <summary><c>left · right + addend</c>, fused where the hardware can.</summary>
    static abstract TSelf MultiplyAdd(TSelf left, TSelf right, TSelf addend);

    /// <summary>Lane-wise product.</summary>
    static abstract TSelf Multiply(TSelf left, TSelf right);

    /// <summary>Lane-wise sum.</summary>
    static abstract TSelf Add(TSelf left, TSelf right);

    /// <summary>The sum of the lanes.</summary>
    static abstract float Sum(TSelf value);

    /// <summary>Loads <see cref="Count"/> 16-bit values, each sign-extended into the bits of a 32-bit lane (not converted).</summary>
    static abstract TSelf LoadInt16Bits(ref short source, nuint offset);

    /// <summary>Loads <see cref="Count"/> bytes as signed integers, each converted to a float lane (8-bit weights).</summary>
    static abstract TSelf LoadSByte(ref sbyte source, nuint offset);

    /// <summary>Loads <see cref="Count"/> 16-bit values, each zero-extended into the bits of a lane (not converted).</summary>
    static abstract TSelf LoadUInt16Bits(ref ushort source, nuint offset);

    /// <summary>All lanes holding the bits <paramref name="bits"/>.</summary>
    static abstract TSelf CreateBits(uint bits);

    /// <summary>The lanes' bits shifted left by <paramref name="count"/>.</summary>
    static abstract TSelf ShiftLeftBits(TSelf value, int count);

    /// <summary>The lanes' bits AND <paramref name="mask"/>.</summary>
    static abstract TSelf AndBits(TSelf value, TSelf mask);

    /// <summary>The lanes' bits OR <paramref name="other"/>'s.</summary>
    static abstract TSelf OrBits(TSelf value, TSelf other);

    /// <summary>Per lane, <paramref name="whenTrue"/> where the bits of <paramref name="value"/> as an unsigned integer are at
    /// least those of <paramref name="threshold"/>, else <paramref name="whenFalse"/>.</summary>
    static abstract TSelf SelectWhereBitsAtLeast(TSelf value, TSelf threshold, TSelf whenTrue, TSelf whenFalse);
}
