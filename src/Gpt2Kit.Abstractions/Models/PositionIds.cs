namespace Gpt2Kit.Models;

/// <summary>Position ids as Hugging Face <c>generate()</c> derives them from an attention mask.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public static class PositionIds
{
    /// <summary>Fills <paramref name="positions"/> (<c>[rows, width]</c>) with <c>cumsum(mask) − 1</c> per row, padding slots set to 1.</summary>
    /// <param name="attentionMask">Row-major <c>[rows, width]</c> mask, 1 for real tokens.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="positions">Destination, same shape as the mask.</param>
    public static void FromAttentionMask(ReadOnlySpan<int> attentionMask, int rows, Span<int> positions)
    {
        if (rows <= 0 || attentionMask.Length % rows != 0)
        {
            throw new ArgumentException($"The mask length {attentionMask.Length} is not a multiple of rows ({rows}).", nameof(attentionMask));
        }

        if (positions.Length != attentionMask.Length)
        {
            throw new ArgumentException($"positions has {positions.Length} entries; the mask has {attentionMask.Length}.", nameof(positions));
        }

        int width = attentionMask.Length / rows;
        for (int r = 0; r < rows; r++)
        {
            int seen = 0;
            for (int t = 0; t < width; t++)
            {
                int i = r * width + t;
                seen += attentionMask[i];
                positions[i] = attentionMask[i] == 0 ? 1 : seen - 1;
            }
        }
    }
}
