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

    /// <summary>The checks of a Conv1D call (<c>[rows, inner] · [inner, columns] + bias</c> over a column range).</summary>
    public static void RequireConv1D(ReadOnlySpan<float> input, int rows, WeightSpan weight, ReadOnlySpan<float> bias, Span<float> output,
        int columnStart, int columnEnd)
    {
        RequireLength(input.Length, (long)rows * weight.Rows, nameof(input));
        RequireLength(output.Length, (long)rows * weight.Columns, nameof(output));
        if (!bias.IsEmpty)
        {
            RequireLength(bias.Length, weight.Columns, nameof(bias));
        }

        RequireRange(columnStart, columnEnd, weight.Columns, nameof(columnStart));
        RequireBlockStart(weight, columnStart, nameof(columnStart));
    }
}
