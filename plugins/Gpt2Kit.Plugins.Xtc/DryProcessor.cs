using Gpt2Kit.Decoding;

namespace Gpt2Kit.Plugins.Xtc;

/// <summary>Penalizes each token that would extend a repeat of an earlier part of the text: if the last <c>n</c> tokens,
/// followed by token <c>t</c>, already occurred, and <c>n ≥ allowed_length</c>, the score of <c>t</c> drops by
/// <c>multiplier · base^(n − allowed_length)</c>. Repeats do not run across sequence breakers.</summary>
/// <remarks>Belongs to one request; not thread-safe.</remarks>
internal sealed class DryProcessor(double multiplier, double @base, int allowedLength, int lastN, HashSet<int> breakers) : ILogitsProcessor
{
    // Longest repeat found for each candidate token, reused across calls.
    private readonly Dictionary<int, int> _longest = [];

    public void Process(in LogitsContext context, Span<float> scores)
    {
        if (multiplier <= 0 || lastN == 0)
        {
            return;
        }

        var ids = context.InputIds;
        if (lastN > 0 && ids.Length > lastN)
        {
            ids = ids[^lastN..];
        }

        if (ids.Length < 2 || breakers.Contains(ids[^1]))
        {
            return;
        }

        _longest.Clear();
        var last = ids[^1];
        for (var i = 0; i < ids.Length - 1; i++)
        {
            // An earlier occurrence of the last token: the token after it is the candidate that would continue the repeat.
            var next = ids[i + 1];
            if (ids[i] != last || breakers.Contains(next))
            {
                continue;
            }

            var length = 1;
            while (i - length >= 0)
            {
                var previous = ids[^(length + 1)];
                if (ids[i - length] != previous || breakers.Contains(previous))
                {
                    break;
                }

                length++;
            }

            _longest[next] = Math.Max(length, _longest.GetValueOrDefault(next));
        }

        foreach (var (token, length) in _longest)
        {
            if (length >= allowedLength && token < scores.Length)
            {
                scores[token] -= (float)(multiplier * Math.Pow(@base, length - allowedLength));
            }
        }
    }
}
