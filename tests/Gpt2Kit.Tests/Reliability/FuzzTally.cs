using Gpt2Kit.Decoding;
using Gpt2Kit.Models;

namespace Gpt2Kit.Tests.Reliability;

/// <summary>Runs fuzz cases with a time limit and sorts their outcomes: a valid result, a clean error (an exception type
/// that reports bad input, with a message that is not a bare runtime message and names the file at fault), a crash
/// (anything else) or a hang.</summary>
/// <remarks>Used by one test at a time; not thread-safe.</remarks>
/// <param name="family">What is fuzzed, for the report.</param>
/// <param name="source">A text every error must contain (the file at fault), or null.</param>
/// <param name="known">Cases (by a fragment of their description) that crash for a reason another issue fixes: counted
/// apart, and each must still crash, so that the entry is removed when the fix lands.</param>
internal sealed class FuzzTally(string family, string? source = null, IReadOnlyList<string>? known = null)
{
    /// <summary>Longer than any case takes; a case still running then counts as a hang.</summary>
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(20);

    // Messages of the runtime itself: an error that reaches the user with one of these has not been checked by the code.
    private static readonly string[] RuntimeMessages =
    [
        "Arithmetic operation resulted in an overflow", "Index was outside the bounds", "Object reference not set",
        "Sequence contains", "Nullable object must have a value", "TimeSpan overflowed", "Specified argument was out of the range of valid values.",
        "Value was either too large or too small", "Array dimensions exceeded", "Destination is too short", "Input string was not in a correct format",
    ];

    private readonly List<string> _failures = [];
    private readonly HashSet<string> _knownSeen = [];

    public int Tried { get; private set; }

    public int Valid { get; private set; }

    public int CleanErrors { get; private set; }

    public int Crashes { get; private set; }

    public int Hangs { get; private set; }

    /// <summary>Crashes of the <c>known</c> cases.</summary>
    public int KnownCrashes { get; private set; }

    /// <summary>Known cases that no longer crash: their fix has landed and the entry can go.</summary>
    public IEnumerable<string> KnownFixed => (known ?? []).Where(k => !_knownSeen.Contains(k));

    /// <summary>The first failures (crashes and hangs), with their case and message.</summary>
    public IReadOnlyList<string> Failures => _failures;

    public void Run(string description, Action action)
    {
        Tried++;
        var task = Task.Run(action);
        try
        {
            if (!task.Wait(CaseLimit))
            {
                Hangs++;
                Record($"hang: {description}");
                return;
            }

            Valid++;
        }
        catch (AggregateException wrapped) when (wrapped.InnerException is { } error)
        {
            if (IsClean(error) && (source is null || error.Message.Contains(source, StringComparison.Ordinal)))
            {
                CleanErrors++;
            }
            else if ((known ?? []).FirstOrDefault(description.Contains) is { } fragment)
            {
                KnownCrashes++;
                _knownSeen.Add(fragment);
            }
            else
            {
                Crashes++;
                Record($"crash: {description}: {error.GetType().Name}: {error.Message}");
            }
        }
    }

    public override string ToString() =>
        $"{family}: {Tried} cases, {Valid} valid results, {CleanErrors} clean errors, {Crashes} crashes, {Hangs} hangs"
        + (KnownCrashes > 0 ? $", {KnownCrashes} known crashes ({string.Join("; ", _knownSeen)})" : "");

    private static bool IsClean(Exception error) =>
        error is ModelLoadException or GenerationConfigurationException or InvalidDataException or FileNotFoundException
            or ArgumentException or InvalidOperationException or TimeoutException
        && error is not (NullReferenceException or IndexOutOfRangeException or OverflowException or ObjectDisposedException)
        && !string.IsNullOrWhiteSpace(error.Message)
        && !RuntimeMessages.Any(m => error.Message.StartsWith(m, StringComparison.Ordinal));

    private void Record(string failure)
    {
        if (_failures.Count < 20)
        {
            _failures.Add(failure);
        }
    }
}
