using System.Buffers;
using System.Text.Unicode;

namespace Gpt2Kit.Gpt2.Tokenization;

/// <summary>Finds where a byte sequence stops being valid UTF-8, so errors can name the byte offset.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class Utf8Validation
{
    /// <summary>The offset of the first byte that does not start or continue a valid UTF-8 character, or -1 when all
    /// of <paramref name="bytes"/> is valid (a character cut off at the end counts as invalid).</summary>
    public static int FirstInvalidByte(ReadOnlySpan<byte> bytes)
    {
        Span<char> scratch = stackalloc char[1024];
        int offset = 0;
        while (offset < bytes.Length)
        {
            var status = Utf8.ToUtf16(bytes[offset..], scratch, out int read, out _, replaceInvalidSequences: false, isFinalBlock: true);
            offset += read;
            if (status == OperationStatus.Done)
            {
                return -1;
            }

            if (status != OperationStatus.DestinationTooSmall)
            {
                return offset;
            }
        }

        return -1;
    }
}
