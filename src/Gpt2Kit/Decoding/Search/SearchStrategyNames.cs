namespace Gpt2Kit.Decoding.Search;

/// <summary>The names of the built-in search strategies, as used in <see cref="GenerationOptions.Strategy"/>.</summary>
/// <remarks>Constants; thread-safe.</remarks>
public static class SearchStrategyNames
{
    /// <summary>Greedy decoding: the most likely token at every step.</summary>
    public const string Greedy = "greedy";

    /// <summary>Multinomial sampling from the processed distribution.</summary>
    public const string Sample = "sample";

    /// <summary>Beam search.</summary>
    public const string Beam = "beam";

    /// <summary>Beam search whose candidates are sampled.</summary>
    public const string BeamSample = "beam_sample";

    /// <summary>Diverse (group) beam search with a Hamming diversity penalty.</summary>
    public const string GroupBeam = "group_beam";

    /// <summary>Contrastive search (<c>penalty_alpha</c> with <c>top_k</c> candidates).</summary>
    public const string Contrastive = "contrastive";

    /// <summary>Whether <paramref name="name"/> is a strategy that samples (and so runs the sampling warpers).</summary>
    internal static bool IsSampling(string name) => name is Sample or BeamSample;

    /// <summary>Whether <paramref name="name"/> is one of the beam modes (scores are log-probabilities, beams expand rows).</summary>
    internal static bool IsBeam(string name) => name is Beam or BeamSample or GroupBeam;
}
