using Gpt2Kit.Tokenization;
using MLTokenizer = Microsoft.ML.Tokenizers.Tokenizer;

namespace Gpt2Kit.ML.Tokenizers;

/// <summary>Any Microsoft.ML.Tokenizers <see cref="MLTokenizer"/> as Gpt2Kit's <see cref="ITokenizer"/>, for models with
/// other vocabularies (a Tiktoken, BPE, SentencePiece or Llama tokenizer).</summary>
/// <remarks>Thread-safe when the wrapped tokenizer is (ML.Tokenizers' are). What ML.Tokenizers does not expose is given
/// to the constructor: the vocabulary size and the special ids. Limits of going through text: a token's bytes
/// (<see cref="GetTokenBytes"/>) are the UTF-8 of its decoded text, so a token holding part of a character reads as
/// U+FFFD; the streaming decoder holds text back while the decoded tail ends in U+FFFD. The wrapped tokenizer decides
/// which special tokens written in a text it recognises, so <c>allowSpecialTokens: false</c> is refused.</remarks>
public sealed class MLTokenizerAdapter : ITokenizer
{
    private readonly MLTokenizer _tokenizer;
    private readonly HashSet<int> _special;

    /// <summary>Wraps <paramref name="tokenizer"/>.</summary>
    /// <param name="tokenizer">The ML.Tokenizers tokenizer.</param>
    /// <param name="vocabSize">Number of ids it produces.</param>
    /// <param name="endOfTextTokenId">Its end-of-text id, if any (the default padding id).</param>
    /// <param name="specialTokenIds">Ids left out when decoding with <c>skipSpecialTokens</c> (the end-of-text id is added).</param>
    public MLTokenizerAdapter(MLTokenizer tokenizer, int vocabSize, int? endOfTextTokenId = null, IEnumerable<int>? specialTokenIds = null)
    {
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 1);
        VocabSize = vocabSize;
        EndOfTextTokenId = endOfTextTokenId;
        _special = [.. specialTokenIds ?? []];
        if (endOfTextTokenId is { } eot)
        {
            _special.Add(eot);
        }
    }

    /// <inheritdoc/>
    public int VocabSize { get; }

    /// <inheritdoc/>
    public int? EndOfTextTokenId { get; }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException"><paramref name="allowSpecialTokens"/> is false.</exception>
    public int[] Encode(string text, bool allowSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!allowSpecialTokens)
        {
            throw new NotSupportedException("An ML.Tokenizers tokenizer decides itself which special tokens it recognises in a text; allowSpecialTokens: false cannot be honoured.");
        }

        return [.. _tokenizer.EncodeToIds(text)];
    }

    /// <inheritdoc/>
    public EncodedBatch EncodeBatch(IReadOnlyList<string> texts, PaddingSide padding = PaddingSide.Left, int? padTokenId = null, bool allowSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var rows = texts.Select(t => Encode(t, allowSpecialTokens)).ToArray();
        int width = rows.Length == 0 ? 0 : rows.Max(r => r.Length);
        int pad = padTokenId ?? EndOfTextTokenId ?? 0;
        var ids = new int[rows.Length][];
        var mask = new int[rows.Length][];
        for (int r = 0; r < rows.Length; r++)
        {
            ids[r] = new int[width];
            mask[r] = new int[width];
            int offset = padding == PaddingSide.Left ? width - rows[r].Length : 0;
            Array.Fill(ids[r], pad);
            rows[r].CopyTo(ids[r], offset);
            mask[r].AsSpan(offset, rows[r].Length).Fill(1);
        }

        return new EncodedBatch(ids, mask);
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false, bool cleanUpTokenizationSpaces = false)
    {
        var kept = new List<int>(ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), ids[i], $"Token id {ids[i]} at index {i} is outside 0..{VocabSize - 1}.");
            }

            if (!skipSpecialTokens || !_special.Contains(ids[i]))
            {
                kept.Add(ids[i]);
            }
        }

        string text = _tokenizer.Decode(kept);
        return cleanUpTokenizationSpaces ? CleanUp(text) : text;
    }

    /// <inheritdoc/>
    public ReadOnlySpan<byte> GetTokenBytes(int id) => System.Text.Encoding.UTF8.GetBytes(Decode([id]));

    /// <inheritdoc/>
    public bool IsSpecialToken(int id) => _special.Contains(id);

    /// <inheritdoc/>
    public IStreamingDecoder CreateStreamingDecoder(bool skipSpecialTokens = false) => new StreamingDecoder(this, skipSpecialTokens);

    /// <summary>Hugging Face's <c>clean_up_tokenization</c>.</summary>
    private static string CleanUp(string text) => text
        .Replace(" .", ".", StringComparison.Ordinal).Replace(" ?", "?", StringComparison.Ordinal).Replace(" !", "!", StringComparison.Ordinal)
        .Replace(" ,", ",", StringComparison.Ordinal).Replace(" ' ", "'", StringComparison.Ordinal).Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal).Replace(" 's", "'s", StringComparison.Ordinal).Replace(" 've", "'ve", StringComparison.Ordinal)
        .Replace(" 're", "'re", StringComparison.Ordinal);

    /// <summary>Decodes the ids so far and hands out the new text once it no longer ends in an unfinished character.</summary>
    private sealed class StreamingDecoder(MLTokenizerAdapter owner, bool skipSpecialTokens) : IStreamingDecoder
    {
        private readonly List<int> _ids = [];
        private int _shown;

        public string Append(int id)
        {
            _ids.Add(id);
            string text = owner.Decode(_ids.ToArray(), skipSpecialTokens);
            if (text.EndsWith('\uFFFD') || text.Length < _shown)
            {
                return "";
            }

            string piece = text[_shown..];
            _shown = text.Length;
            return piece;
        }

        public string Flush()
        {
            string text = owner.Decode(_ids.ToArray(), skipSpecialTokens);
            string piece = text.Length > _shown ? text[_shown..] : "";
            _ids.Clear();
            _shown = 0;
            return piece;
        }
    }
}
