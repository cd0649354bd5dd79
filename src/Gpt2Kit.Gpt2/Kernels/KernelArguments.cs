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
}
