namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>Reads weights of one storage format as fp32, so that each matrix kernel is written once for every format.
/// <c>index</c> is where an element lies, counted in elements from the start of the matrix: <see cref="Offset"/> of its row
/// and column (row-major for every format but <see cref="Q8InterleavedWeights"/>).</summary>
internal interface IWeightFormat
{
    /// <summary>Whether rows are stored in groups of eight interleaved block by block (<see cref="Q8InterleavedWeights"/>).</summary>
    static virtual bool IsInterleaved => false;

    /// <summary>Where element (<paramref name="row"/>, <paramref name="column"/>) of a matrix <paramref name="columns"/> wide
    /// lies. It is always the sum of a row part and a column part, <c>Offset(row, 0) + Offset(0, column)</c>, and the
    /// elements of one register (<c>TVec.Count</c> aligned columns within a block of 32) lie together.</summary>
    static virtual nuint Offset(nuint row, nuint column, nuint columns) => (row * columns) + column;

    /// <summary>Bytes of one element's data.</summary>
    static abstract int ElementSize { get; }

    /// <summary>Elements <paramref name="index"/>.. (one register's worth) as floats. For block formats the register must
    /// not cross a block: <paramref name="index"/> is a multiple of <c>TVec.Count</c>, which divides the block size.</summary>
    static abstract TVec Load<TVec>(ref byte data, ref float scales, nuint index)
        where TVec : struct, ISimdVector<TVec>;

    /// <summary>Like <see cref="Load"/>, but exact for every stored bit pattern, where <see cref="Load"/> may rely on what the
    /// loader guarantees of a held matrix (f16: finite values). For reading rows and converting between formats.</summary>
    static abstract TVec Widen<TVec>(ref byte data, ref float scales, nuint index)
        where TVec : struct, ISimdVector<TVec>;

    /// <summary>Whether elements carry a scale per block of 32 (<see cref="Q8Weights"/>): kernels may then fold the scale into
    /// their other operand once per block and read the elements with <see cref="LoadUnscaled"/>.</summary>
    static abstract bool HasBlockScales { get; }

    /// <summary>Elements <paramref name="index"/>.. as floats, without their block's scale.</summary>
    static abstract TVec LoadUnscaled<TVec>(ref byte data, nuint index)
        where TVec : struct, ISimdVector<TVec>;

    /// <summary>The scale of element <paramref name="index"/>'s block (1 for formats without scales).</summary>
    static abstract float Scale(ref float scales, nuint index);

    /// <summary>Element <paramref name="index"/> as a float.</summary>
    static abstract float Get(ref byte data, ref float scales, nuint index);
}
