using Gpt2Kit.Plugins;

namespace Gpt2Kit.Samples.BanDigits;

/// <summary>The plugin's entry point: the loader creates it and calls <see cref="Register"/> once.</summary>
/// <remarks>Called once, on one thread; not thread-safe.</remarks>
public sealed class BanDigitsPlugin : IGpt2KitPlugin
{
    /// <inheritdoc/>
    public void Register(IGpt2KitBuilder builder) => builder.AddLogitsProcessor(new BanDigitsProcessorFactory());
}
