using Gpt2Kit.Decoding;
using Gpt2Kit.Models;
using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.Plugins.Mirostat;

/// <summary>Mirostat v2 sampling as a search strategy named <c>mirostat_v2</c>: it steers the surprise
/// (<c>−log2 p</c>) of the sampled tokens towards <see cref="Tau"/>. Each row keeps <c>mu</c>, starting at <c>2·tau</c>; each
/// step it runs the request's processor chain, drops the tokens whose surprise exceeds <c>mu</c> (always keeping the most
/// likely one), samples from the renormalized rest with the request's random source, and updates
/// <c>mu −= eta · (observed surprise − tau)</c>.</summary>
/// <remarks>Thread-safe: per-request state lives in locals.</remarks>
public sealed class MirostatV2Strategy : ISearchStrategy
{
    /// <summary>Creates the strategy.</summary>
    /// <param name="tau">Target surprise in bits (&gt; 0).</param>
    /// <param name="eta">Learning rate of <c>mu</c> (&gt; 0).</param>
    public MirostatV2Strategy(double tau = 5.0, double eta = 0.1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tau);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eta);
        Tau = tau;
        Eta = eta;
    }

    /// <summary>Reads <c>tau</c> and <c>eta</c> from <paramref name="section"/>; missing values keep their defaults.</summary>
    /// <exception cref="GenerationConfigurationException">A value is not a positive number; the message names its path.</exception>
    public static MirostatV2Strategy FromConfiguration(IConfigurationSection? section)
    {
        if (section is null)
        {
            return new MirostatV2Strategy();
        }

        var arguments = new ProcessorArguments(new ProcessorSpec("mirostat_v2", section, section.Path));
        return new MirostatV2Strategy(
            arguments.GetDouble("tau", 5.0, min: 0, minExclusive: true, max: 1e6),
            arguments.GetDouble("eta", 0.1, min: 0, minExclusive: true, max: 1e6));
    }

    /// <inheritdoc/>
    public string Name => "mirostat_v2";

    /// <summary>Target surprise in bits.</summary>
    public double Tau { get; }

    /// <summary>Learning rate of <c>mu</c>.</summary>
    public double Eta { get; }

    /// <inheritdoc/>
    public void Validate(GenerationOptions options, ModelInfo model)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.NumBeams != 1)
        {
            throw new GenerationConfigurationException("num_beams", options.NumBeams.ToString(System.Globalization.CultureInfo.InvariantCulture), "1 (mirostat_v2 does not search beams)");
        }
    }

    /// <inheritdoc/>
    public GenerationResult Search(SearchContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new MirostatRun(context, Tau, Eta, cancellationToken).Run();
    }
}
