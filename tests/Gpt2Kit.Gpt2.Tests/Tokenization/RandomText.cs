using System.Text;

namespace Gpt2Kit.Gpt2.Tests.Tokenization;

/// <summary>Seeded random strings over the whole of Unicode: ASCII, Latin, CJK, emoji and other astral characters
/// (as surrogate pairs), controls, every kind of white space, combining marks and long runs of one character.</summary>
internal static class RandomText
{
    private static readonly string[] Pools =
    [
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "0123456789",
        " ",
        " \t\n\r\v\f\u0085\u00a0\u1680\u2000\u2009\u200a\u2028\u2029\u202f\u205f\u3000",
        "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
        "éèçñüøåßœæÆØÅÉÜÑ",
        "中文测试你好世界日本語のテキスト한국어",
        "ΩΣαβγдежзийклмнопрстуфхцчшщъыьэюяשלוםمرحبا",
        "\u0000\u0001\u001b\u001c\u001f\u007f\u200b\u200d\ufeff\u0301\u0308",
        "'s't're've'm'll'd",
    ];

    private static readonly int[] AstralSamples = [0x1F600, 0x1F389, 0x1F44D, 0x1F3FD, 0x1F468, 0x1D4D0, 0x1D7D8, 0x10348, 0x20000, 0x2A6D6, 0xE0041, 0x10FFFD];

    public static string Create(Random random, int length)
    {
        var text = new StringBuilder(length + 8);
        while (text.Length < length)
        {
            switch (random.Next(14))
            {
                case < 10:
                    var pool = Pools[random.Next(Pools.Length)];
                    text.Append(pool[random.Next(pool.Length)]);
                    break;
                case 10:
                    text.Append(char.ConvertFromUtf32(AstralSamples[random.Next(AstralSamples.Length)]));
                    break;
                case 11:
                    text.Append(char.ConvertFromUtf32(RandomScalar(random)));
                    break;
                case 12:
                    // A run of one character, the case that used to make naive BPE quadratic.
                    text.Append(Pools[random.Next(3)][0], random.Next(2, 40));
                    break;
                default:
                    text.Append(random.Next(2) == 0 ? "<|endoftext|>" : " the");
                    break;
            }
        }

        return text.ToString();
    }

    // Any Unicode scalar value: surrogate code points are not characters and cannot round-trip through UTF-8.
    public static int RandomScalar(Random random)
    {
        while (true)
        {
            int value = random.Next(0, 0x110000);
            if (value is < 0xD800 or > 0xDFFF)
            {
                return value;
            }
        }
    }
}
