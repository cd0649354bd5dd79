using System.Diagnostics;
using System.Globalization;

namespace Gpt2Kit.Decoding.Stopping;

/// <summary>Hugging Face <c>MaxTimeCriteria</c>: every row is finished once <c>max_time</c> seconds have passed since the
/// request started (the criterion's creation).</summary>
/// <remarks>Immutable after creation; thread-safe.</remarks>
internal sealed class MaxTimeCriterion(TimeSpan budget) : IStoppingCriterion
{
    private readonly long _start = Stopwatch.GetTimestamp();

    public FinishReason Check(in StoppingContext context) =>
        Stopwatch.GetElapsedTime(_start) > budget ? FinishReason.Time : FinishReason.None;
}

/// <summary>Creates a <see cref="MaxTimeCriterion"/> when <see cref="GenerationOptions.MaxTime"/> is set.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal sealed class MaxTimeCriterionFactory : IStoppingCriterionFactory
{
    public string Name => "max_time";

    public IStoppingCriterion? Create(ResolvedGenerationOptions options, ProcessorCreationContext context)
    {
        if (options.MaxTime is not { } seconds)
        {
            return null;
        }

        if (!(seconds > 0) || double.IsInfinity(seconds))
        {
            throw new GenerationConfigurationException("max_time", seconds.ToString(CultureInfo.InvariantCulture), "a number of seconds > 0");
        }

        return new MaxTimeCriterion(TimeSpan.FromSeconds(seconds));
    }
}
