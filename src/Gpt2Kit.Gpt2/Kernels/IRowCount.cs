namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>A compile-time row count (1–6) for register-tiled micro-kernels, so the JIT drops the unused rows.</summary>
internal interface IRowCount
{
    /// <summary>The number of rows.</summary>
    static abstract int Value { get; }
}

/// <summary>One row.</summary>
internal readonly struct OneRow : IRowCount
{
    public static int Value => 1;
}

/// <summary>Two rows.</summary>
internal readonly struct TwoRows : IRowCount
{
    public static int Value => 2;
}

/// <summary>Three rows.</summary>
internal readonly struct ThreeRows : IRowCount
{
    public static int Value => 3;
}

/// <summary>Four rows.</summary>
internal readonly struct FourRows : IRowCount
{
    public static int Value => 4;
}

/// <summary>Five rows.</summary>
internal readonly struct FiveRows : IRowCount
{
    public static int Value => 5;
}

/// <summary>Six rows.</summary>
internal readonly struct SixRows : IRowCount
{
    public static int Value => 6;
}
