namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>The one place that maps a <see cref="SimdWidth"/> (and a weight format) to the kernel specialization that runs,
/// as System.Numerics.Tensors does with its operator structs: kernels hold their operands in a struct and implement
/// <see cref="ISimdKernel"/> or <see cref="IWeightKernel"/>.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class SimdDispatch
{
    /// <summary>The width <see cref="SimdWidth.Auto"/> resolves to on this machine (the environment variable
    /// <c>GPT2KIT_SIMD_WIDTH</c> = <c>512</c>, <c>256</c>, <c>128</c> or <c>scalar</c> caps it, e.g. to compare widths).</summary>
    public static SimdWidth Best { get; } = Cap(Widest(), Environment.GetEnvironmentVariable("GPT2KIT_SIMD_WIDTH"));

    /// <summary>The width that runs for <paramref name="requested"/> with rows of <paramref name="length"/> floats: a width whose
    /// register is longer than the row only runs its tail, so a narrower one is taken.</summary>
    public static SimdWidth Resolve(SimdWidth requested, int length = int.MaxValue)
    {
        var width = requested == SimdWidth.Auto ? Best : requested;
        while (width > SimdWidth.Scalar && Lanes(width) > length && requested == SimdWidth.Auto)
        {
            width--;
        }

        return width;
    }

    /// <summary>Runs <paramref name="kernel"/> with the registers of <paramref name="width"/>.</summary>
    public static void Run<TKernel>(scoped ref TKernel kernel, SimdWidth width, int length = int.MaxValue)
        where TKernel : ISimdKernel, allows ref struct
    {
        switch (Resolve(width, length))
        {
            case SimdWidth.V512: kernel.Run<Simd512>(); break;
            case SimdWidth.V256: kernel.Run<Simd256>(); break;
            case SimdWidth.V128: kernel.Run<Simd128>(); break;
            default: kernel.Run<SimdScalar>(); break;
        }
    }

    /// <summary>Runs <paramref name="kernel"/> on weights stored as <paramref name="weight"/> is with the registers of <paramref name="width"/>.</summary>
    public static void Run<TKernel>(TKernel kernel, scoped in WeightSpan weight, SimdWidth width)
        where TKernel : IWeightKernel, allows ref struct
    {
        if (weight.Interleaved)
        {
            RunBound<TKernel, Q8InterleavedWeights>(kernel, width);
            return;
        }

        switch (weight.Format)
        {
            case WeightFormat.F32: RunBound<TKernel, F32Weights>(kernel, width); break;
            case WeightFormat.BF16: RunBound<TKernel, BFloat16Weights>(kernel, width); break;
            case WeightFormat.F16: RunBound<TKernel, HalfWeights>(kernel, width); break;
            case WeightFormat.Q8: RunBound<TKernel, Q8Weights>(kernel, width); break;
            default: throw new ArgumentOutOfRangeException(nameof(weight), weight.Format, "Unknown weight format.");
        }
    }

    private static void RunBound<TKernel, TFormat>(TKernel kernel, SimdWidth width)
        where TKernel : IWeightKernel, allows ref struct
        where TFormat : struct, IWeightFormat
    {
        var bound = new Bind<TKernel, TFormat>(kernel);
        Run(ref bound, width);
    }

    private static int Lanes(SimdWidth width) => width switch
    {
        SimdWidth.V512 => Simd512.Count,
        SimdWidth.V256 => Simd256.Count,
        SimdWidth.V128 => Simd128.Count,
        _ => 1,
    };

    private static SimdWidth Widest() =>
        Simd512.IsHardwareAccelerated ? SimdWidth.V512
        : Simd256.IsHardwareAccelerated ? SimdWidth.V256
        : Simd128.IsHardwareAccelerated ? SimdWidth.V128
        : SimdWidth.Scalar;

    private static SimdWidth Cap(SimdWidth widest, string? setting)
    {
        var cap = setting?.Trim().ToLowerInvariant() switch
        {
            "512" => SimdWidth.V512,
            "256" => SimdWidth.V256,
            "128" => SimdWidth.V128,
            "scalar" or "1" => SimdWidth.Scalar,
            _ => widest,
        };
        return cap < widest ? cap : widest;
    }

    /// <summary>A weight kernel with its format fixed, seen as an <see cref="ISimdKernel"/> (a copy of the operand struct).</summary>
    private ref struct Bind<TKernel, TFormat>(TKernel kernel) : ISimdKernel
        where TKernel : IWeightKernel, allows ref struct
        where TFormat : struct, IWeightFormat
    {
        private TKernel _kernel = kernel;

        public void Run<TVec>()
            where TVec : struct, ISimdVector<TVec> => _kernel.Run<TFormat, TVec>();
    }
}
