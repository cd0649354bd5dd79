using System.Buffers;
using System.Text;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Gpt2.Tokenization;

/// <summary>GPT-2's byte-level BPE tokenizer, giving the same ids and text as Hugging Face's GPT-2 tokenizers:
/// GPT-2's pre-tokenization pattern on code points, merges by rank, <c>&lt;|endoftext|&gt;</c> and other added tokens
/// matched whole, and UTF-8 decoding that turns invalid bytes into U+FFFD.</summary>
/// <remarks>Thread-safe: the tables are immutable and the cache of recent pieces is concurrent and bounded, so one
/// instance serves every request. The streaming decoders it creates are not thread-safe.</remarks>
public sealed class Gpt2Tokenizer : ITokenizer
{
    private const int CacheCapacity = 65_536;

    // Pieces up to this many UTF-8 bytes are merged in stack memory.
    private const int StackPieceBytes = 256;

    private static readonly Lazy<Gpt2Tokenizer> DefaultTokenizer = new(LoadEmbedded, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Gpt2Vocabulary _vocabulary;
    private readonly AddedTokenMatcher? _allAddedTokens;
    private readonly AddedTokenMatcher? _ordinaryAddedTokens;
    private readonly BpeCache _cache = new(CacheCapacity);

    private Gpt2Tokenizer(Gpt2Vocabulary vocabulary)
    {
        _vocabulary = vocabulary;
        _allAddedTokens = AddedTokenMatcher.Create(vocabulary.AddedTokens);
        _ordinaryAddedTokens = AddedTokenMatcher.Create(vocabulary.AddedTokens.Where(t => !t.Special));
    }

    /// <summary>The original GPT-2 vocabulary (50257 ids), embedded in this assembly; loaded on first use.</summary>
    public static Gpt2Tokenizer Default => DefaultTokenizer.Value;

    /// <inheritdoc />
    public int VocabSize => _vocabulary.Count;

    /// <inheritdoc />
    public int? EndOfTextTokenId => _vocabulary.EndOfTextId;

    /// <summary>Loads the tokenizer files of a model folder: <c>vocab.json</c> + <c>merges.txt</c> (Hugging Face), else
    /// <c>encoder.json</c> + <c>vocab.bpe</c> (OpenAI), else <c>tokenizer.json</c> (Hugging Face fast format).</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">None of the three layouts is complete in the folder.</exception>
    /// <exception cref="InvalidDataException">A file is malformed; the message names the file, the line or key, and the value.</exception>
    public static Gpt2Tokenizer FromFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The tokenizer folder '{folder}' does not exist.");
        }

        foreach (var (vocabularyName, mergesName) in (ReadOnlySpan<(string, string)>)[("vocab.json", "merges.txt"), ("encoder.json", "vocab.bpe")])
        {
            string vocabularyPath = Path.Combine(folder, vocabularyName);
            string mergesPath = Path.Combine(folder, mergesName);
            if (File.Exists(vocabularyPath) && File.Exists(mergesPath))
            {
                return FromFiles(vocabularyPath, mergesPath);
            }
        }

        string tokenizerJson = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(tokenizerJson))
        {
            return FromTokenizerJson(tokenizerJson);
        }

        throw new FileNotFoundException(
            $"No tokenizer in '{folder}': expected vocab.json and merges.txt, encoder.json and vocab.bpe, or tokenizer.json.", tokenizerJson);
    }

    /// <summary>The tokenizer of a model folder (<see cref="FromFolder"/>), or <see cref="Default"/> when the folder holds no
    /// tokenizer files at all (weights-only GPT-2 checkpoints use the original vocabulary). Malformed files still fail.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">A tokenizer file is malformed.</exception>
    public static Gpt2Tokenizer FromFolderOrDefault(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The tokenizer folder '{folder}' does not exist.");
        }

        string[] names = ["vocab.json", "merges.txt", "encoder.json", "vocab.bpe", "tokenizer.json"];
        return names.Any(name => File.Exists(Path.Combine(folder, name))) ? FromFolder(folder) : Default;
    }

    /// <summary>Loads a vocabulary (<c>vocab.json</c> / <c>encoder.json</c>: token → id) and a merges file
    /// (<c>merges.txt</c> / <c>vocab.bpe</c>). <c>&lt;|endoftext|&gt;</c>, when in the vocabulary, is the special token.</summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is malformed; the message names the file, the line or key, and the value.</exception>
    public static Gpt2Tokenizer FromFiles(string vocabularyPath, string mergesPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(vocabularyPath);
        ArgumentException.ThrowIfNullOrEmpty(mergesPath);
        return FromVocabularyAndMerges(
            TokenizerFileReader.ReadFile(vocabularyPath), vocabularyPath,
            TokenizerFileReader.ReadFile(mergesPath), mergesPath);
    }

    /// <summary>Loads a Hugging Face <c>tokenizer.json</c> with a byte-level BPE model, honouring its <c>added_tokens</c>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is malformed; the message names the file, the key and the value.</exception>
    public static Gpt2Tokenizer FromTokenizerJson(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var definition = TokenizerFileReader.ReadTokenizerJson(TokenizerFileReader.ReadFile(path), path);
        return new Gpt2Tokenizer(Gpt2Vocabulary.Create(definition));
    }

    /// <inheritdoc />
    public int[] Encode(string text, bool allowSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<int>((text.Length / 4) + 4);
        var matcher = allowSpecialTokens ? _allAddedTokens : _ordinaryAddedTokens;
        int position = 0;
        if (matcher is not null)
        {
            while (position < text.Length && matcher.TryFindNext(text, position, out int start, out int end, out int id))
            {
                EncodeOrdinaryText(text.AsSpan(position, start - position), output);
                output.Add(id);
                position = end;
            }
        }

        EncodeOrdinaryText(text.AsSpan(position), output);
        return [.. output];
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">No pad id was given and the vocabulary has no <c>&lt;|endoftext|&gt;</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The pad id is outside the vocabulary.</exception>
    public EncodedBatch EncodeBatch(IReadOnlyList<string> texts, PaddingSide padding = PaddingSide.Left, int? padTokenId = null, bool allowSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(texts);
        int pad = padTokenId ?? EndOfTextTokenId
                  ?? throw new InvalidOperationException("EncodeBatch needs a pad id: pass padTokenId; this vocabulary has no <|endoftext|> to pad with.");
        if ((uint)pad >= (uint)VocabSize)
        {
            throw new ArgumentOutOfRangeException(nameof(padTokenId), pad, $"The pad id {pad} is outside 0..{VocabSize - 1}.");
        }

        var rows = new int[texts.Count][];
        for (int r = 0; r < rows.Length; r++)
        {
            rows[r] = Encode(texts[r] ?? throw new ArgumentNullException(nameof(texts), $"texts[{r}] is null."), allowSpecialTokens);
        }

        int width = rows.Length == 0 ? 0 : rows.Max(r => r.Length);
        var inputIds = new int[rows.Length][];
        var mask = new int[rows.Length][];
        for (int r = 0; r < rows.Length; r++)
        {
            int offset = padding == PaddingSide.Left ? width - rows[r].Length : 0;
            inputIds[r] = new int[width];
            mask[r] = new int[width];
            Array.Fill(inputIds[r], pad);
            rows[r].CopyTo(inputIds[r], offset);
            mask[r].AsSpan(offset, rows[r].Length).Fill(1);
        }

        return new EncodedBatch(inputIds, mask);
    }

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false, bool cleanUpTokenizationSpaces = false)
    {
        int byteCount = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            ThrowIfOutOfRange(ids[i], i);
            if (!(skipSpecialTokens && _vocabulary.IsSpecial(ids[i])))
            {
                byteCount += _vocabulary.BytesOf(ids[i]).Length;
            }
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            int written = 0;
            foreach (int id in ids)
            {
                if (!(skipSpecialTokens && _vocabulary.IsSpecial(id)))
                {
                    var bytes = _vocabulary.BytesOf(id);
                    bytes.CopyTo(buffer.AsSpan(written));
                    written += bytes.Length;
                }
            }

            // Encoding.UTF8 replaces each maximal invalid subsequence with one U+FFFD, as Python's errors="replace" does.
            string text = Encoding.UTF8.GetString(buffer, 0, written);
            return cleanUpTokenizationSpaces ? TokenizationSpaces.CleanUp(text) : text;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is outside <c>0..VocabSize-1</c>.</exception>
    public ReadOnlySpan<byte> GetTokenBytes(int id)
    {
        ThrowIfOutOfRange(id, index: null);
        return _vocabulary.BytesOf(id);
    }

    /// <inheritdoc />
    /// <remarks>False for ids outside the vocabulary.</remarks>
    public bool IsSpecialToken(int id) => (uint)id < (uint)VocabSize && _vocabulary.IsSpecial(id);

    /// <inheritdoc />
    public IStreamingDecoder CreateStreamingDecoder(bool skipSpecialTokens = false) => new Gpt2StreamingDecoder(this, skipSpecialTokens);

    /// <summary>Throws the out-of-range error of <see cref="Decode"/>, naming the id and where it was.</summary>
    internal void ThrowIfOutOfRange(int id, int? index)
    {
        if ((uint)id >= (uint)VocabSize)
        {
            string where = index is null ? string.Empty : $" at index {index}";
            throw new ArgumentOutOfRangeException("ids", id, $"Token id {id}{where} is outside the vocabulary (0..{VocabSize - 1}).");
        }
    }

    /// <summary>Forgets the cached pieces, so the next encodings run every merge (for benchmarks).</summary>
    internal void ClearCache() => _cache.Clear();

    private static Gpt2Tokenizer LoadEmbedded()
    {
        var assembly = typeof(Gpt2Tokenizer).Assembly;
        return FromVocabularyAndMerges(
            ReadResource(assembly, "Gpt2Kit.Gpt2.encoder.json"), "embedded encoder.json",
            ReadResource(assembly, "Gpt2Kit.Gpt2.vocab.bpe"), "embedded vocab.bpe");

        static byte[] ReadResource(System.Reflection.Assembly assembly, string name)
        {
            using var stream = assembly.GetManifestResourceStream(name)
                               ?? throw new InvalidOperationException($"The embedded resource '{name}' is missing from {assembly.GetName().Name}.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }

    private static Gpt2Tokenizer FromVocabularyAndMerges(byte[] vocabularyJson, string vocabularySource, byte[] merges, string mergesSource)
    {
        var vocabulary = TokenizerFileReader.ReadVocabulary(vocabularyJson, vocabularySource);
        var mergeIds = TokenizerFileReader.ReadMerges(merges, mergesSource, vocabulary, vocabularySource);
        // Hugging Face's GPT-2 tokenizer registers <|endoftext|> as its bos, eos and unk token: a special added token.
        AddedToken[] added = vocabulary.TryGetValue(AddedToken.EndOfText, out int endOfText)
            ? [new AddedToken(AddedToken.EndOfText, endOfText, Special: true)]
            : [];
        var definition = new TokenizerDefinition(vocabularySource, vocabulary, mergeIds, added, AddPrefixSpace: false);
        return new Gpt2Tokenizer(Gpt2Vocabulary.Create(definition));
    }

    private void EncodeOrdinaryText(ReadOnlySpan<char> text, List<int> output)
    {
        if (text.IsEmpty)
        {
            return;
        }

        if (_vocabulary.AddPrefixSpace && text[0] != ' ')
        {
            text = string.Concat(" ", text);
        }

        for (int position = 0; position < text.Length;)
        {
            int length = Gpt2PreTokenizer.NextPieceLength(text, position);
            EncodePiece(text.Slice(position, length), output);
            position += length;
        }
    }

    private void EncodePiece(ReadOnlySpan<char> piece, List<int> output)
    {
        if (_cache.TryGet(piece, out int[] cached))
        {
            output.AddRange(cached);
            return;
        }

        int maxBytes = Encoding.UTF8.GetMaxByteCount(piece.Length);
        byte[]? rentedBytes = null;
        int[]? rentedSymbols = null;
        Span<byte> bytes = maxBytes <= StackPieceBytes ? stackalloc byte[StackPieceBytes] : (rentedBytes = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            // Encoding.UTF8 writes a lone surrogate as U+FFFD, the only way to put it into UTF-8.
            int byteCount = Encoding.UTF8.GetBytes(piece, bytes);
            Span<int> symbols = byteCount <= StackPieceBytes ? stackalloc int[StackPieceBytes] : (rentedSymbols = ArrayPool<int>.Shared.Rent(byteCount));
            symbols = symbols[..byteCount];
            for (int i = 0; i < byteCount; i++)
            {
                symbols[i] = _vocabulary.ByteToId[bytes[i]];
            }

            var merged = symbols[..BytePairMerger.Merge(symbols, _vocabulary.Merges)];
            if (piece.Length <= BpeCache.MaxPieceLength)
            {
                int[] ids = merged.ToArray();
                _cache.Add(piece, ids);
                output.AddRange(ids);
            }
            else
            {
                foreach (int id in merged)
                {
                    output.Add(id);
                }
            }
        }
        finally
        {
            if (rentedBytes is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedBytes);
            }

            if (rentedSymbols is not null)
            {
                ArrayPool<int>.Shared.Return(rentedSymbols);
            }
        }
    }
}
