namespace Gpt2Kit.Gpt2.Tokenization;

/// <summary>GPT-2's reversible byte ↔ character table: every byte gets a printable character so that BPE
/// vocabularies can be stored as text. Printable Latin-1 bytes map to themselves; the other 68 bytes map to
/// U+0100 and up, in byte order.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToCharTable = BuildByteToChar();

    // The alphabet only uses U+0021..U+0143, so a table over that range inverts it.
    private static readonly short[] CharToByteTable = BuildCharToByte();

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char ToChar(byte value) => ByteToCharTable[value];

    /// <summary>The byte a vocabulary character stands for; false when the character is not in the alphabet.</summary>
    public static bool TryGetByte(char c, out byte value)
    {
        if (c < CharToByteTable.Length && CharToByteTable[c] >= 0)
        {
            value = (byte)CharToByteTable[c];
            return true;
        }

        value = 0;
        return false;
    }

    private static bool IsSelfMapped(int b) => b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            table[b] = IsSelfMapped(b) ? (char)b : (char)next++;
        }

        return table;
    }

    private static short[] BuildCharToByte()
    {
        var table = new short[256 + 68];
        Array.Fill(table, (short)-1);
        for (int b = 0; b < 256; b++)
        {
            table[ByteToCharTable[b]] = (short)b;
        }

        return table;
    }
}
