using System.Buffers;
using System.Text;
using Gpt2Kit.Gpt2.Tokenization;
using Microsoft.ML.Tokenizers;
using MLTokenizer = Microsoft.ML.Tokenizers.Tokenizer;

namespace Gpt2Kit.ML.Tokenizers;

/// <summary>Gpt2Kit's exact GPT-2 tokenizer as a <see cref="MLTokenizer"/>, for code written against
/// Microsoft.ML.Tokenizers (ML.NET, GenAI, text chunkers): ids, counts and decoded text are those of
/// <see cref="Gpt2Tokenizer"/> (Hugging Face's), including on the texts where ML.Tokenizers' own GPT-2 encoders differ.</summary>
/// <remarks>Thread-safe, as the wrapped tokenizer is. Special tokens written in the text (<c>&lt;|endoftext|&gt;</c>) become
/// their ids, as in Hugging Face. There is no normalizer or separate pre-tokenizer: GPT-2's splitting is part of the
/// encoding. A token's <see cref="EncodedToken.Offset"/> is the span of characters its bytes come from (a token that holds
/// part of a character covers that whole character), and its <see cref="EncodedToken.Value"/> is that span's text.</remarks>
public sealed class Gpt2MLTokenizer : MLTokenizer
{
    private readonly Gpt2Tokenizer _tokenizer;

    /// <summary>Wraps <paramref name="tokenizer"/>.</summary>
    public Gpt2MLTokenizer(Gpt2Tokenizer tokenizer) => _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));

    /// <summary>The tokenizer with the embedded GPT-2 vocabulary.</summary>
    public static Gpt2MLTokenizer Default { get; } = new(Gpt2Tokenizer.Default);

    /// <summary>The wrapped tokenizer.</summary>
    public Gpt2Tokenizer Inner => _tokenizer;

    /// <inheritdoc/>
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        string source = text ?? textSpan.ToString();
        var ids = _tokenizer.Encode(source);
        var ends = CharEnds(source, ids);
        int count = Math.Min(ids.Length, Limit(settings));
        var tokens = new EncodedToken[count];
        for (int i = 0; i < count; i++)
        {
            int start = i == 0 ? 0 : ends[i - 1];
            tokens[i] = new EncodedToken(ids[i], source[start..ends[i]], new Range(start, ends[i]));
        }

        return new EncodeResults<EncodedToken> { Tokens = tokens, CharsConsumed = count == 0 ? 0 : ends[count - 1] };
    }

    /// <inheritdoc/>
    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        string source = text ?? textSpan.ToString();
        var ids = _tokenizer.Encode(source);
        int count = Math.Min(ids.Length, Limit(settings));
        int consumed = count == ids.Length ? source.Length : count == 0 ? 0 : CharEnds(source, ids)[count - 1];
        return new EncodeResults<int> { Tokens = count == ids.Length ? ids : ids[..count], CharsConsumed = consumed };
    }

    /// <inheritdoc/>
    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings) =>
        Math.Min(_tokenizer.Encode(text ?? textSpan.ToString()).Length, Limit(settings));

    /// <inheritdoc/>
    protected override int GetIndexByTokenCount(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings, bool fromEnd,
        out string? normalizedText, out int tokenCount)
    {
        normalizedText = null;
        string source = text ?? textSpan.ToString();
        var ids = _tokenizer.Encode(source);
        var ends = CharEnds(source, ids);
        tokenCount = Math.Min(ids.Length, Limit(settings));
        if (fromEnd)
        {
            int first = ids.Length - tokenCount;
            return first == 0 ? 0 : ends[first - 1];
        }

        return tokenCount == 0 ? 0 : ends[tokenCount - 1];
    }

    /// <inheritdoc/>
    public override string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return _tokenizer.Decode([.. ids]);
    }

    /// <inheritdoc/>
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var decoder = _tokenizer.CreateStreamingDecoder();
        idsConsumed = 0;
        charsWritten = 0;
        foreach (int id in ids)
        {
            // A piece that does not fit is not written: the ids consumed are those whose text is complete in destination.
            string piece = decoder.Append(id);
            if (!piece.AsSpan().TryCopyTo(destination[charsWritten..]))
            {
                return OperationStatus.DestinationTooSmall;
            }

            charsWritten += piece.Length;
            idsConsumed++;
        }

        string rest = decoder.Flush();
        if (!rest.AsSpan().TryCopyTo(destination[charsWritten..]))
        {
            return OperationStatus.DestinationTooSmall;
        }

        charsWritten += rest.Length;
        return OperationStatus.Done;
    }

    private static int Limit(EncodeSettings settings) => settings.MaxTokenCount <= 0 ? int.MaxValue : settings.MaxTokenCount;

    /// <summary>For each token, the index of the character after the last one its bytes come from.</summary>
    private int[] CharEnds(string text, int[] ids)
    {
        // charAfterByte[b]: the number of characters whose UTF-8 starts before byte b ends, i.e. rounded up to whole characters.
        var byteEndToChar = new int[Encoding.UTF8.GetByteCount(text) + 1];
        int bytePosition = 0;
        for (int c = 0; c < text.Length; c++)
        {
            int width = char.IsHighSurrogate(text[c]) && c + 1 < text.Length && char.IsLowSurrogate(text[c + 1])
                ? 4
                : Encoding.UTF8.GetByteCount(text.AsSpan(c, 1));
            int charEnd = width == 4 ? c + 2 : c + 1;
            for (int b = 1; b <= width; b++)
            {
                byteEndToChar[bytePosition + b] = charEnd;
            }

            bytePosition += width;
            if (width == 4)
            {
                c++;
            }
        }

        var ends = new int[ids.Length];
        int position = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            position = Math.Min(position + _tokenizer.GetTokenBytes(ids[i]).Length, byteEndToChar.Length - 1);
            ends[i] = byteEndToChar[position];
        }

        return ends;
    }
}
