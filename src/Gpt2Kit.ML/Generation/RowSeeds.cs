namespace Gpt2Kit.ML.Generation;

/// <summary>The seed a sampled row is generated with when <see cref="GenerateTextOptions.SeedPerRow"/> is on: a mix of the
/// options' seed and the row's prompt text, so a row's sample depends only on the seed and its own prompt — not on the
/// batch it falls into, its position, the rows around it or whether a prediction engine or a cursor computes it.</summary>
/// <remarks>Stateless; thread-safe. The mix is fixed (FNV-1a over the prompt's UTF-16 code units, folded with the seed
/// through SplitMix64's finalizer), so the same seed and prompt give the same row seed in every process and version.</remarks>
public static class RowSeeds
{
    /// <summary>The seed for the row whose prompt is <paramref name="prompt"/>. The library gives the row's output for
    /// <c>GenerationOptions { Seed = RowSeeds.For(seed, prompt) }</c> on that prompt alone.</summary>
    public static long For(long seed, string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ulong hash = 14695981039346656037UL;
        foreach (char c in prompt)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        ulong z = unchecked((ulong)seed + 0x9E3779B97F4A7C15UL + hash);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return unchecked((long)(z ^ (z >> 31)));
    }
}
