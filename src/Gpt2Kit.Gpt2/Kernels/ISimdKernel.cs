namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>A kernel call as an operator struct: its operands as fields and its body generic over the register type, so
/// that <see cref="SimdDispatch"/> chooses the width in one place for every kernel.</summary>
internal interface ISimdKernel
{
    /// <summary>Runs the kernel with registers of <typeparamref name="TVec"/>.</summary>
    void Run<TVec>()
        where TVec : struct, ISimdVector<TVec>;
}

/// <summary>A kernel over a weight matrix: generic over the weights' storage format and the register type.</summary>
internal interface IWeightKernel
{
    /// <summary>Runs the kernel on weights stored as <typeparamref name="TFormat"/>, with registers of <typeparamref name="TVec"/>.</summary>
    void Run<TFormat, TVec>()
        where TFormat : struct, IWeightFormat
        where TVec : struct, ISimdVector<TVec>;
}
