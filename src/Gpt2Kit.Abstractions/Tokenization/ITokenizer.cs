namespace Gpt2Kit.Tokenization;

/// <summary>Turns text into token ids and back.</summary>
/// <remarks>Implementations must be thread-safe: one tokenizer serves every request. The streaming decoders it
/// creates are not.</remarks>
public interface ITokenizer
{
    /// <summary>Number of ids the tokenizer can produce (GPT-2: 50257).</summary>
    int VocabSize { get; }

    /// <summary>The end-of-text id (GPT-2: 50256), if the vocabulary has one.</summary>
    int? EndOfTextTokenId { get; }

    /// <summary>Encodes text into ids.</summary>
    /// <param name="text">The text.</param>
    /// <param name="allowSpecialTokens">When true (Hugging Face's behaviour), special tokens written in the text (<c>&lt;|endoftext|&gt;</c>)
    /// become their ids; when false they are encoded as plain text.</param>
    int[] Encode(string text, bool allowSpecialTokens = true);

    /// <summary>Encodes several texts and pads them to one width with an attention mask.</summary>
    EncodedBatch EncodeBatch(IReadOnlyList<string> texts, PaddingSide padding = PaddingSide.Left, int? padTokenId = null, bool allowSpecialTokens = true);

    /// <summary>Decodes ids into text; invalid UTF-8 byte runs become U+FFFD.</summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="skipSpecialTokens">Leave special tokens (<c>&lt;|endoftext|&gt;</c>) out.</param>
    /// <param name="cleanUpTokenizationSpaces">Remove the spaces before punctuation and contractions that Hugging Face's
    /// <c>clean_up_tokenization</c> removes.</param>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside <c>0..VocabSize-1</c>; the message names it and its index.</exception>
    string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false, bool cleanUpTokenizationSpaces = false);

    /// <summary>The raw bytes one token stands for (a piece of UTF-8 that may be incomplete).</summary>
    ReadOnlySpan<byte> GetTokenBytes(int id);

    /// <summary>Whether <paramref name="id"/> is a special token such as <c>&lt;|endoftext|&gt;</c>.</summary>
    bool IsSpecialToken(int id);

    /// <summary>Creates a decoder that turns ids into text one at a time without ever splitting a UTF-8 character.</summary>
    IStreamingDecoder CreateStreamingDecoder(bool skipSpecialTokens = false);
}

/// <summary>Which side padding goes on.</summary>
public enum PaddingSide
{
    /// <summary>Pad on the left (what generation needs for decoder-only models).</summary>
    Left,

    /// <summary>Pad on the right.</summary>
    Right,
}

/// <summary>Ids of several texts padded to one width, with the attention mask (1 = real token).</summary>
/// <param name="InputIds">One array per row, all of length <c>Width</c>.</param>
/// <param name="AttentionMask">One array per row, all of length <c>Width</c>.</param>
/// <remarks>Immutable by convention; thread-safe for reading.</remarks>
public sealed record EncodedBatch(int[][] InputIds, int[][] AttentionMask)
{
    /// <summary>Number of rows.</summary>
    public int Rows => InputIds.Length;

    /// <summary>Padded width.</summary>
    public int Width => InputIds.Length == 0 ? 0 : InputIds[0].Length;
}

/// <summary>Decodes a stream of ids into text pieces.</summary>
/// <remarks>Not thread-safe: one decoder per stream.</remarks>
public interface IStreamingDecoder
{
    /// <summary>Adds one id and returns the text that is now complete (possibly empty when a UTF-8 character is still open).</summary>
    string Append(int id);

    /// <summary>Returns whatever is held back (an unfinished character comes out as U+FFFD) and resets the decoder.</summary>
    string Flush();
}
