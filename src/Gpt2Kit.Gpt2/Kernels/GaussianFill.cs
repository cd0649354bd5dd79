namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>Seeded normal random numbers for random checkpoints, reproducible on every platform and .NET version:
/// SplitMix64 counters and the Box–Muller transform. Element <c>i</c> of stream <c>s</c> depends only on
/// (seed, s, i / 65536), so blocks can be filled in parallel and in any order.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class GaussianFill
{
    /// <summary>Elements that share one generator; fills must start at a multiple of this.</summary>
    public const int BlockSize = 1 << 16;

    /// <summary>Fills <paramref name="destination"/> with elements <paramref name="start"/>.. of stream <paramref name="stream"/>, N(0, <paramref name="std"/>).</summary>
    public static void Fill(Span<float> destination, long start, ulong seed, ulong stream, float std)
    {
        if (start % BlockSize != 0)
        {
            throw new ArgumentException($"start must be a multiple of {BlockSize}.", nameof(start));
        }

        for (int offset = 0; offset < destination.Length; offset += BlockSize)
        {
            ulong block = (ulong)((start + offset) / BlockSize);
            ulong state = Mix(Mix(Mix(seed) ^ stream) ^ block);
            var slice = destination.Slice(offset, Math.Min(BlockSize, destination.Length - offset));
            for (int i = 0; i < slice.Length; i += 2)
            {
                // Box–Muller: two uniforms in (0, 1] give two independent normals.
                double u1 = ((Next(ref state) >> 11) + 1) * (1.0 / 9007199254740992.0);
                double u2 = (Next(ref state) >> 11) * (1.0 / 9007199254740992.0);
                double radius = Math.Sqrt(-2.0 * Math.Log(u1)) * std;
                double angle = 2.0 * Math.PI * u2;
                slice[i] = (float)(radius * Math.Cos(angle));
                if (i + 1 < slice.Length)
                {
                    slice[i + 1] = (float)(radius * Math.Sin(angle));
                }
            }
        }
    }

    private static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
