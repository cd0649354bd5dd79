using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

/// <summary>Ids of the one-byte tokens, for building arbitrary (also invalid) UTF-8 out of ids.</summary>
internal static class ByteTokens
{
    public static int[] IdsOf(ITokenizer tokenizer, params byte[] bytes)
    {
        var byByte = new Dictionary<byte, int>();
        for (int id = 0; id < tokenizer.VocabSize && byByte.Count < 256; id++)
        {
            var tokenBytes = tokenizer.GetTokenBytes(id);
            if (tokenBytes.Length == 1)
            {
                byByte.TryAdd(tokenBytes[0], id);
            }
        }

        return bytes.Select(b => byByte[b]).ToArray();
    }
}
