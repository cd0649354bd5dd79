using Gpt2Kit.Decoding;

namespace Gpt2Kit.Plugins.Xtc;

/// <summary>llama.cpp's XTC ("exclude top choices") as the sampling warper <c>xtc</c>. Settings: <c>probability</c>
/// (chance per step that it acts, default 0.5), <c>threshold</c> (tokens at least this likely are "top choices", default
/// 0.1; above 0.5 it never acts), <c>min_keep</c> (default: the request's), <c>seed</c> (default: the request's seed).</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class XtcProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "xtc";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Warper;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        var probability = arguments.GetDouble("probability", 0.5, 0, 1);
        var threshold = arguments.GetDouble("threshold", 0.1, 0, 1);
        var minKeep = arguments.GetInt32("min_keep", Math.Max(1, context.MinTokensToKeep), min: 1);
        var seed = arguments.Has("seed") ? arguments.GetInt32("seed") : context.Options.Seed;
        return new XtcProcessor(probability, threshold, minKeep, CreateRandom(seed));
    }

    // A seed gives the same exclusions on every run; it is mixed so that XTC's draws are not the sampler's draws.
    private static Random CreateRandom(long? seed) =>
        seed is { } s ? new Random(unchecked((int)(s ^ (s >> 32)) ^ 0x5854_4331)) : new Random();
}
