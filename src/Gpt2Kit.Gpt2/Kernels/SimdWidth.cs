namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>The register width a kernel runs with. <see cref="Auto"/> takes the widest the CPU accelerates; the others force
/// one width (tests run every path that way; a width the CPU lacks still computes correctly, in software, slowly).</summary>
internal enum SimdWidth
{
    /// <summary>The widest accelerated width, or the one the <c>GPT2KIT_SIMD_WIDTH</c> environment variable names.</summary>
    Auto,

    /// <summary>One lane at a time (<see cref="SimdScalar"/>).</summary>
    Scalar,

    /// <summary>128-bit registers (<see cref="Simd128"/>).</summary>
    V128,

    /// <summary>256-bit registers (<see cref="Simd256"/>: AVX2 on x64).</summary>
    V256,

    /// <summary>512-bit registers (<see cref="Simd512"/>: AVX-512 or AVX10 on x64).</summary>
    V512,
}
