using System.Text;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Decoding.Streaming;

/// <summary>Turns one row's tokens into text pieces that are safe to show: never half a UTF-8 character (the tokenizer's
/// streaming decoder), never text that could still turn out to be the start of a stop string, never a stop string
/// itself. <see cref="Finish"/> releases the rest, so the pieces always add up to <see cref="GeneratedText.Compose"/>.</summary>
/// <remarks>Belongs to one row of one request; not thread-safe.</remarks>
internal sealed class StreamingTextAssembler
{
    private readonly IStreamingDecoder _decoder;
    private readonly IReadOnlyList<string>? _stopStrings;
    private readonly int _longestStop;
    private readonly StringBuilder _text = new();
    private char[] _pending = [];
    private int _emitted;

    public StreamingTextAssembler(ITokenizer tokenizer, IReadOnlyList<string>? stopStrings)
    {
        _decoder = tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
        var stops = stopStrings?.Where(s => !string.IsNullOrEmpty(s)).ToList();
        _stopStrings = stops is { Count: > 0 } ? stops : null;
        _longestStop = _stopStrings?.Max(s => s.Length) ?? 0;
    }

    /// <summary>Adds a token and returns the text that became safe to show.</summary>
    public string Append(int tokenId)
    {
        _text.Append(_decoder.Append(tokenId));
        return Release(SafeEnd());
    }

    /// <summary>The row is finished: returns everything not shown yet, cut at the first stop string when one ended the row.</summary>
    public string Finish(FinishReason reason)
    {
        _text.Append(_decoder.Flush());
        string final = GeneratedText.Cut(_text.ToString(), reason, _stopStrings);
        string rest = final.Length > _emitted ? final[_emitted..] : "";
        _emitted = Math.Max(_emitted, final.Length);
        return rest;
    }

    private int SafeEnd()
    {
        if (_stopStrings is null)
        {
            return _text.Length;
        }

        // Only the text not shown yet is searched: everything before it was shown because no stop string starts there.
        int length = _text.Length - _emitted;
        if (_pending.Length < length)
        {
            _pending = new char[Math.Max(length, 2 * _pending.Length)];
        }

        var pending = _pending.AsSpan(0, length);
        _text.CopyTo(_emitted, pending, length);
        int stop = GeneratedText.FirstStop(pending, _stopStrings);
        if (stop >= 0)
        {
            return _emitted + stop;
        }

        // Hold back the longest tail that is the beginning of some stop string.
        for (int start = Math.Max(0, length - _longestStop + 1); start < length; start++)
        {
            var tail = pending[start..];
            foreach (var s in _stopStrings)
            {
                if (s.Length > tail.Length && s.AsSpan().StartsWith(tail, StringComparison.Ordinal))
                {
                    return _emitted + start;
                }
            }
        }

        return _text.Length;
    }

    private string Release(int end)
    {
        if (end <= _emitted)
        {
            return "";
        }

        string piece = _text.ToString(_emitted, end - _emitted);
        _emitted = end;
        return piece;
    }
}
