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
}
