using System.Text;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Gpt2.Tokenization;

/// <summary>Turns ids into text as they arrive. A stateful UTF-8 decoder holds back the bytes of a character that
/// is not complete yet (an emoji spread over several byte tokens), so the pieces never split a character and their
/// concatenation equals <see cref="Gpt2Tokenizer.Decode"/> of all the ids.</summary>
/// <remarks>Not thread-safe: one decoder per stream.</remarks>
internal sealed class Gpt2StreamingDecoder : IStreamingDecoder
{
    private readonly Gpt2Tokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly Decoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private char[] _chars = new char[64];
    private int _index;

    public Gpt2StreamingDecoder(Gpt2Tokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    public string Append(int id)
    {
        _tokenizer.ThrowIfOutOfRange(id, _index);
        _index++;
        if (_skipSpecialTokens && _tokenizer.IsSpecialToken(id))
        {
            return string.Empty;
        }

        return Convert(_tokenizer.GetTokenBytes(id), flush: false);
    }

    public string Flush()
    {
        string rest = Convert([], flush: true);
        _utf8.Reset();
        _index = 0;
        return rest;
    }

    private string Convert(ReadOnlySpan<byte> bytes, bool flush)
    {
        // Each byte yields at most one UTF-16 unit, plus one U+FFFD per held-back byte (at most three).
        int needed = bytes.Length + 4;
        if (_chars.Length < needed)
        {
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        }

        int count = _utf8.GetChars(bytes, _chars, flush);
        return count == 0 ? string.Empty : new string(_chars, 0, count);
    }
}
