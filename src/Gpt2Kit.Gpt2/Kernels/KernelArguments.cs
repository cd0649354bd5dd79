namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>Span-length checks shared by the kernels, done once per call before any unchecked indexing.</summary>
internal static class KernelArguments
{
    public static void RequireLength(int actual, long required, string name)
    {
        if (actual < required)
        {
            throw new ArgumentException($"{name} holds {actual} floats; {required} are needed.", name);
        }
    }

    public static void RequireRange(int start, int end, int limit, string name)
    {
        if (start < 0 || end < start || end > limit)
        {
            throw new ArgumentOutOfRangeException(name, $"The range [{start}, {end}) is not inside [0, {limit}).");
        }
    }

    /// <summary>Block formats are read a register at a time from a block's start: a column range must start on a block.</summary>
    public static void RequireBlockStart(WeightSpan weight, int columnStart, string name)
    {
        if (weight.Format == WeightFormat.Q8 && columnStart % Q8Weights.BlockSize != 0)
        {
            throw new ArgumentOutOfRangeException(name, columnStart, $"q8 column ranges start on a block of {Q8Weights.BlockSize}.");
        }
    }
}
