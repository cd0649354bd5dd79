using System.Globalization;

namespace Gpt2Kit.Plugins;

/// <summary>Knows which plugin call a request is inside, so that a request whose plugin does not return when the request
/// is cancelled or out of time can be abandoned with an error that names the plugin. Plugins run in-process with full
/// trust: the host cannot stop their thread, only stop waiting for it.</summary>
/// <remarks>One per request; the plugin guards write it on the request's thread and the waiting caller reads it, so its
/// one field is volatile.</remarks>
internal sealed class PluginCallWatch
{
    /// <summary>How long a request may go on after cancellation or <c>max_time</c> while inside a plugin.</summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(1);

    private static readonly AsyncLocal<PluginCallWatch?> Ambient = new();
    private volatile string? _running;

    /// <summary>The watch of the request running on this thread (flows into the request's task), or null.</summary>
    public static PluginCallWatch? Current => Ambient.Value;

    /// <summary>The plugin call in progress, e.g. <c>processor 'x' (plugin y)</c>, or null.</summary>
    public string? Running => _running;

    /// <summary>Starts a request's watch; tasks started after this on the same flow see it as <see cref="Current"/>.</summary>
    public static PluginCallWatch Start()
    {
        var watch = new PluginCallWatch();
        Ambient.Value = watch;
        return watch;
    }

    /// <summary>Marks a plugin call as running; returns what ran before (nested calls), to pass to <see cref="Exit"/>.</summary>
    public string? Enter(string call)
    {
        string? outer = _running;
        _running = call;
        return outer;
    }

    /// <summary>Ends the call that <see cref="Enter"/> began.</summary>
    public void Exit(string? outer) => _running = outer;

    /// <summary>Awaits <paramref name="work"/>. Once <paramref name="cancellationToken"/> is cancelled or <paramref name="maxTimeSeconds"/>
    /// has passed, the work gets <see cref="GracePeriod"/> to end; if it is then still inside a plugin call, the wait ends
    /// with an error naming that call (the work itself is left to finish on its thread).</summary>
    /// <exception cref="OperationCanceledException">Cancelled while a plugin did not return.</exception>
    /// <exception cref="TimeoutException"><c>max_time</c> passed while a plugin did not return.</exception>
    public async Task WaitAsync(Task work, double? maxTimeSeconds, CancellationToken cancellationToken)
    {
        var timeLimit = maxTimeSeconds is double s && s > 0 && s < TimeSpan.MaxValue.TotalSeconds / 2
            ? TimeSpan.FromSeconds(s) : Timeout.InfiniteTimeSpan;
        try
        {
            await work.WaitAsync(timeLimit, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // The work may have finished just after the wait gave up: then the loop is skipped and its result stands.
            // Our own code stops within one step or chunk; only a plugin call can hold the request past the grace period.
            while (!work.IsCompleted)
            {
                await Task.WhenAny(work, Task.Delay(GracePeriod, CancellationToken.None)).ConfigureAwait(false);
                if (!work.IsCompleted && Running is { } call)
                {
                    _ = work.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                    string why = cancellationToken.IsCancellationRequested
                        ? "the request was cancelled"
                        : string.Create(CultureInfo.InvariantCulture, $"max_time ({maxTimeSeconds} s) ran out");
                    string message = $"{call} did not return {GracePeriod.TotalSeconds:0.#} s after {why}; the request was abandoned and the plugin's call goes on in the background (plugins run in-process with full trust).";
                    throw cancellationToken.IsCancellationRequested
                        ? new OperationCanceledException(message, e, cancellationToken)
                        : new TimeoutException(message, e);
                }
            }
        }

        await work.ConfigureAwait(false);
    }
}
