namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>Reads weights of one storage format as fp32, so that each matrix kernel is written once for every format.
/// <c>index</c> counts elements from the start of the matrix (row-major).</summary>
internal interface IWeightFormat
{
    /// <summary>Bytes of one element's data.</summary>
    static abstract int ElementSize { get; }

    /// <summary>Elements <paramref name="index"/>.. (one register's worth) as floats. For block formats the register must
    /// not cross a block: <paramref name="index"/> is a multiple of <c>TVec.Count</c>, which divides the block size.</summary>
    static abstract TVec Load<TVec>(ref byte data, ref float scales, nuint index)
        where TVec : struct, ISimdVector<TVec>;

    /// <summary>Element <paramref name="index"/> as a float.</summary>
    static abstract float Get(ref byte data, ref float scales, nuint index);
}
