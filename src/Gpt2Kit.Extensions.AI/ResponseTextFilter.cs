namespace Gpt2Kit.Extensions.AI;

/// <summary>Shapes the generated text into the reply: drops leading whitespace, cuts the text at the first stop sequence,
/// and, while streaming, holds back any tail that could still become a stop sequence so that no part of one is ever shown.</summary>
/// <remarks>Not thread-safe: one filter per response.</remarks>
internal sealed class ResponseTextFilter(IReadOnlyList<string> stopSequences)
{
    private string _pending = "";
    private bool _started;

    /// <summary>Whether a stop sequence was seen; later text is ignored.</summary>
    public bool StopFound { get; private set; }

    /// <summary>Adds generated text and returns what can be shown now.</summary>
    public string Append(string text)
    {
        if (StopFound || text.Length == 0)
        {
            return "";
        }

        _pending += text;
        if (!_started)
        {
            _pending = _pending.TrimStart();
            if (_pending.Length == 0)
            {
                return "";
            }

            _started = true;
        }

        int stopAt = -1;
        foreach (string stop in stopSequences)
        {
            int index = _pending.IndexOf(stop, StringComparison.Ordinal);
            if (index >= 0 && (stopAt < 0 || index < stopAt))
            {
                stopAt = index;
            }
        }

        if (stopAt >= 0)
        {
            StopFound = true;
            string before = _pending[..stopAt];
            _pending = "";
            return before;
        }

        int hold = LongestStopPrefixAtEnd();
        string ready = _pending[..^hold];
        _pending = _pending[^hold..];
        return ready;
    }

    /// <summary>Returns what is still held back: generation ended without completing a stop sequence.</summary>
    public string Finish()
    {
        string rest = StopFound ? "" : _pending;
        _pending = "";
        return rest;
    }

    private int LongestStopPrefixAtEnd()
    {
        int hold = 0;
        foreach (string stop in stopSequences)
        {
            for (int length = Math.Min(stop.Length - 1, _pending.Length); length > hold; length--)
            {
                if (_pending.AsSpan().EndsWith(stop.AsSpan(0, length), StringComparison.Ordinal))
                {
                    hold = length;
                    break;
                }
            }
        }

        return hold;
    }
}
