using System.Text;

namespace Gpt2Kit.Gpt2.Tokenization;

/// <summary>The tables a <see cref="Gpt2Tokenizer"/> runs on, checked and flattened: the raw bytes of every id, the id of
/// every single byte, the merge table and the added tokens.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed class Gpt2Vocabulary
{
    private readonly byte[] _tokenBytes;
    private readonly int[] _tokenOffsets;
    private readonly bool[] _special;

    private Gpt2Vocabulary(byte[] tokenBytes, int[] tokenOffsets, bool[] special, int[] byteToId, BpeMergeTable merges,
        IReadOnlyList<AddedToken> addedTokens, int? endOfTextId, bool addPrefixSpace)
    {
        _tokenBytes = tokenBytes;
        _tokenOffsets = tokenOffsets;
        _special = special;
        ByteToId = byteToId;
        Merges = merges;
        AddedTokens = addedTokens;
        EndOfTextId = endOfTextId;
        AddPrefixSpace = addPrefixSpace;
    }

    /// <summary>Number of ids (they run from 0 to <c>Count - 1</c> without gaps).</summary>
    public int Count => _special.Length;

    /// <summary>The id of the one-byte token of each byte value.</summary>
    public int[] ByteToId { get; }

    /// <summary>The merges by rank.</summary>
    public BpeMergeTable Merges { get; }

    /// <summary>Tokens matched whole before pre-tokenization.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>The id of <c>&lt;|endoftext|&gt;</c>, if present.</summary>
    public int? EndOfTextId { get; }

    /// <summary>Whether a space is put before text that does not start with one (ByteLevel <c>add_prefix_space</c>).</summary>
    public bool AddPrefixSpace { get; }

    /// <summary>The bytes <paramref name="id"/> stands for; the caller has checked the range.</summary>
    public ReadOnlySpan<byte> BytesOf(int id) => _tokenBytes.AsSpan(_tokenOffsets[id], _tokenOffsets[id + 1] - _tokenOffsets[id]);

    /// <summary>Whether <paramref name="id"/> is a special token; the caller has checked the range.</summary>
    public bool IsSpecial(int id) => _special[id];

    /// <summary>Checks a definition and builds the tables.</summary>
    /// <exception cref="InvalidDataException">Ids repeat or leave gaps, or a byte has no token; the message names the source.</exception>
    public static Gpt2Vocabulary Create(TokenizerDefinition definition)
    {
        string source = definition.Source;

        // Ids run from 0 without gaps, so none can reach the number of entries; checking that first also bounds the
        // tables below by the file's size instead of by an id taken from it.
        long entries = (long)definition.Vocabulary.Count + definition.AddedTokens.Count;
        int count = 0;
        foreach (var (token, id) in definition.Vocabulary.Select(p => (p.Key, p.Value)).Concat(definition.AddedTokens.Select(a => (a.Content, a.Id))))
        {
            if (id < 0 || id >= entries)
            {
                var used = definition.Vocabulary.Values.Concat(definition.AddedTokens.Select(a => a.Id)).ToHashSet();
                long gap = Enumerable.Range(0, (int)entries).First(i => !used.Contains(i));
                throw new InvalidDataException($"{source}: no token has the id {gap}, yet \"{token}\" has the id {id}; ids must run from 0 to {entries - 1} without gaps.");
            }

            count = Math.Max(count, id + 1);
        }

        var tokens = new string?[count];
        foreach (var (token, id) in definition.Vocabulary)
        {
            if (tokens[id] is { } other)
            {
                throw new InvalidDataException($"{source}: the tokens \"{other}\" and \"{token}\" both have the id {id}.");
            }

            tokens[id] = token;
        }

        // An added token names its id's text, like Hugging Face's added vocabulary, which wins over the model's.
        var special = new bool[count];
        foreach (var added in definition.AddedTokens)
        {
            tokens[added.Id] = added.Content;
            special[added.Id] = added.Special;
        }

        int missing = Array.IndexOf(tokens, null);
        if (missing >= 0)
        {
            throw new InvalidDataException($"{source}: no token has the id {missing}; ids must run from 0 to {count - 1} without gaps.");
        }

        var offsets = new int[count + 1];
        var bytes = new List<byte>(count * 8);
        for (int id = 0; id < count; id++)
        {
            AppendTokenBytes(tokens[id]!, bytes);
            offsets[id + 1] = bytes.Count;
        }

        var byteToId = new int[256];
        for (int b = 0; b < 256; b++)
        {
            char symbol = ByteLevelAlphabet.ToChar((byte)b);
            if (!definition.Vocabulary.TryGetValue(symbol.ToString(), out byteToId[b]))
            {
                throw new InvalidDataException($"{source}: the byte-level token \"{symbol}\" (byte 0x{b:X2}) is missing; a GPT-2 vocabulary has one token for each of the 256 bytes.");
            }
        }

        int? endOfText = definition.AddedTokens.FirstOrDefault(a => a.Content == AddedToken.EndOfText)?.Id
                         ?? (definition.Vocabulary.TryGetValue(AddedToken.EndOfText, out int eot) ? eot : null);
        return new Gpt2Vocabulary(bytes.ToArray(), offsets, special, byteToId, new BpeMergeTable(definition.Merges),
            definition.AddedTokens, endOfText, definition.AddPrefixSpace);
    }

    // Like Hugging Face's ByteLevel decoder: a token written in the byte alphabet stands for those bytes; one with any
    // other character (an added token such as "<|im start|>") stands for its own UTF-8.
    private static void AppendTokenBytes(string token, List<byte> bytes)
    {
        int start = bytes.Count;
        foreach (char c in token)
        {
            if (!ByteLevelAlphabet.TryGetByte(c, out byte b))
            {
                bytes.RemoveRange(start, bytes.Count - start);
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
                return;
            }

            bytes.Add(b);
        }
    }
}
