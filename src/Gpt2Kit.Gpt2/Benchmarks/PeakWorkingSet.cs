using System.Diagnostics;

namespace Gpt2Kit.Gpt2.Benchmarks;

/// <summary>The process's peak working set, resettable on Linux (writing 5 to <c>/proc/self/clear_refs</c> resets the
/// kernel's high-water mark), so one phase of a benchmark can be measured on its own.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class PeakWorkingSet
{
    /// <summary>Starts a new peak from the current working set, where the platform allows it.</summary>
    public static void Reset()
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                File.WriteAllText("/proc/self/clear_refs", "5");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not allowed here: the peak then covers the whole process.
        }
    }

    /// <summary>The peak working set since the last <see cref="Reset"/> (or since the start), in bytes.</summary>
    public static long Read()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }
}
