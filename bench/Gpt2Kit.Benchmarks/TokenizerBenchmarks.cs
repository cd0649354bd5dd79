using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Gpt2Kit.Gpt2.Tokenization;

namespace Gpt2Kit.Benchmarks;

/// <summary>Tokenizer throughput on ~1 MB of English and ~1 MB of mixed-script text, generated from a fixed seed.
/// "Warm" runs reuse the cache of recent pieces (the steady state of a server); "Cold" runs clear it first, so every
/// piece goes through the merge loop. The MB/s column is UTF-8 megabytes (10^6 bytes) per second of the mean time.</summary>
[Config(typeof(TokenizerBenchmarkConfig))]
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    private readonly Gpt2Tokenizer _tokenizer = Gpt2Tokenizer.Default;
    private int[] _englishIds = [];
    private int[] _mixedIds = [];

    [GlobalSetup]
    public void Setup()
    {
        _englishIds = _tokenizer.Encode(BenchmarkTexts.English);
        _mixedIds = _tokenizer.Encode(BenchmarkTexts.MixedScript);
    }

    [IterationSetup(Targets = [nameof(EncodeEnglishCold), nameof(EncodeMixedScriptCold)])]
    public void ClearCache() => _tokenizer.ClearCache();

    [Benchmark(Description = "Encode English (warm)")]
    public int EncodeEnglishWarm() => _tokenizer.Encode(BenchmarkTexts.English).Length;

    [Benchmark(Description = "Encode English (cold)")]
    public int EncodeEnglishCold() => _tokenizer.Encode(BenchmarkTexts.English).Length;

    [Benchmark(Description = "Encode mixed-script (warm)")]
    public int EncodeMixedScriptWarm() => _tokenizer.Encode(BenchmarkTexts.MixedScript).Length;

    [Benchmark(Description = "Encode mixed-script (cold)")]
    public int EncodeMixedScriptCold() => _tokenizer.Encode(BenchmarkTexts.MixedScript).Length;

    [Benchmark(Description = "Decode English")]
    public int DecodeEnglish() => _tokenizer.Decode(_englishIds).Length;

    [Benchmark(Description = "Decode mixed-script")]
    public int DecodeMixedScript() => _tokenizer.Decode(_mixedIds).Length;

    [Benchmark(Description = "Stream-decode mixed-script")]
    public int StreamDecodeMixedScript()
    {
        var decoder = _tokenizer.CreateStreamingDecoder();
        int chars = 0;
        foreach (int id in _mixedIds)
        {
            chars += decoder.Append(id).Length;
        }

        return chars + decoder.Flush().Length;
    }
}

/// <summary>Adds the MB/s column.</summary>
internal sealed class TokenizerBenchmarkConfig : ManualConfig
{
    public TokenizerBenchmarkConfig() => AddColumn(new ThroughputColumn());

    private sealed class ThroughputColumn : IColumn
    {
        public string Id => "TokenizerThroughput";

        public string ColumnName => "MB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "UTF-8 megabytes (10^6 bytes) of text per second, from the mean time";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            string method = benchmarkCase.Descriptor.WorkloadMethod.Name;
            int bytes = Encoding.UTF8.GetByteCount(method.Contains("English", StringComparison.Ordinal) ? BenchmarkTexts.English : BenchmarkTexts.MixedScript);
            return mean is > 0 ? (bytes / 1e6 / (mean.Value / 1e9)).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) : "-";
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}

/// <summary>Deterministic benchmark texts of about 1 MB each (UTF-8), built from a fixed seed.</summary>
internal static class BenchmarkTexts
{
    private const int TargetBytes = 1_000_000;

    private static readonly Lazy<string> EnglishText = new(() => Build(seed: 42, AppendEnglishSentence));
    private static readonly Lazy<string> MixedScriptText = new(() => Build(seed: 43, AppendMixedSegment));

    private static readonly string[] EnglishWords =
        ("the of and to a in is it you that he was for on are with as I his they be at one have this from or had by hot " +
         "word but what some we can out other were all there when up use your how said an each she which do their time if " +
         "will way about many then them write would like so these her long make thing see him two has look more day could go " +
         "come did number sound no most people my over know water than call first who may down side been now find any new work " +
         "part take get place made live where after back little only round man year came show every good me give our under name " +
         "very through just form sentence great think say help low line differ turn cause much mean before move right boy old too " +
         "same tell does set three want air well also play small end put home read hand port large spell add even land here must " +
         "big high such follow act why ask men change went light kind off need house picture try us again animal point mother world").Split(' ');

    private static readonly string[] Contractions = ["don't", "it's", "we're", "they've", "I'm", "you'll", "he'd", "can't", "isn't"];

    private static readonly string[] LatinWords = ["café", "naïve", "résumé", "über", "straße", "façade", "mañana", "niño", "crème", "brûlée", "Ärger", "Öl", "élève", "garçon", "smörgåsbord", "jalapeño"];

    private static readonly string[] CodeLines =
    [
        "for (int i = 0; i < n; i++) { sum += values[i] * 2; }",
        "def f(x):\n    return x**2  # square",
        "if (!ok && count >= 10) throw new InvalidOperationException($\"bad {count}\");",
        "SELECT id, name FROM users WHERE created_at > '2024-01-01';",
        "https://example.com/path?query=value&other=42#frag",
    ];

    private static readonly string[] Emoji = ["😀", "🎉", "👍🏽", "👨‍👩‍👧", "🚀", "❤️", "🇫🇷", "🤖", "✨", "🔥"];

    /// <summary>About 1 MB of English prose: sentences of common words with punctuation, numbers and contractions.</summary>
    public static string English => EnglishText.Value;

    /// <summary>About 1 MB mixing English, accented Latin, Cyrillic, Greek, Arabic, CJK, kana, Hangul, emoji and code;
    /// most non-Latin words are random syllables, so few pieces repeat.</summary>
    public static string MixedScript => MixedScriptText.Value;

    private static string Build(int seed, Action<StringBuilder, Random> appendSegment)
    {
        var random = new Random(seed);
        var text = new StringBuilder(TargetBytes);
        int bytes = 0;
        while (bytes < TargetBytes)
        {
            int before = text.Length;
            appendSegment(text, random);
            bytes += Encoding.UTF8.GetByteCount(text.ToString(before, text.Length - before));
        }

        return text.ToString();
    }

    private static void AppendEnglishSentence(StringBuilder text, Random random)
    {
        int words = random.Next(5, 21);
        for (int i = 0; i < words; i++)
        {
            string word = random.Next(40) switch
            {
                0 => Contractions[random.Next(Contractions.Length)],
                1 => random.Next(1, 3000).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => EnglishWords[random.Next(EnglishWords.Length)],
            };
            if (i == 0)
            {
                word = char.ToUpperInvariant(word[0]) + word[1..];
            }

            text.Append(i == 0 ? "" : " ").Append(word);
            if (i < words - 1 && random.Next(12) == 0)
            {
                text.Append(',');
            }
        }

        text.Append(".?!"[random.Next(10) switch { < 8 => 0, 8 => 1, _ => 2 }]);
        text.Append(random.Next(7) == 0 ? "\n\n" : " ");
    }

    private static void AppendMixedSegment(StringBuilder text, Random random)
    {
        switch (random.Next(10))
        {
            case 0:
            case 1:
                AppendEnglishSentence(text, random);
                return;
            case 2:
                AppendWords(text, random, () => LatinWords[random.Next(LatinWords.Length)]);
                break;
            case 3:
                AppendWords(text, random, () => Syllables(random, "бвгдзклмнпрстфхцчшщ", "аеиоуыэюя"));
                break;
            case 4:
                AppendWords(text, random, () => Syllables(random, "βγδζθκλμνξπρστφχψ", "αεηιουωάέήίόύώ"));
                break;
            case 5:
                AppendWords(text, random, () => Syllables(random, "بتثجحخدذرزسشصضطظعغفقكلمنهوي", "اوي"));
                break;
            case 6:
                // CJK has no spaces: one long run of letters per clause, punctuated with full-width marks.
                for (int clause = random.Next(1, 4); clause > 0; clause--)
                {
                    for (int i = random.Next(4, 25); i > 0; i--)
                    {
                        text.Append((char)random.Next(0x4E00, 0x9FA6));
                    }

                    text.Append(random.Next(2) == 0 ? '，' : '。');
                }

                break;
            case 7:
                AppendWords(text, random, () => new string(Enumerable.Range(0, random.Next(2, 7)).Select(_ => random.Next(2) == 0
                    ? (char)random.Next(0x3041, 0x3097)
                    : (char)random.Next(0xAC00, 0xD7A4)).ToArray()));
                break;
            case 8:
                AppendWords(text, random, () => Emoji[random.Next(Emoji.Length)]);
                break;
            default:
                text.Append(CodeLines[random.Next(CodeLines.Length)]);
                break;
        }

        text.Append(random.Next(5) == 0 ? "\n" : " ");
    }

    private static void AppendWords(StringBuilder text, Random random, Func<string> word)
    {
        for (int i = random.Next(3, 12); i > 0; i--)
        {
            text.Append(word()).Append(i > 1 ? " " : ".");
        }
    }

    private static string Syllables(Random random, string consonants, string vowels)
    {
        var word = new StringBuilder();
        for (int i = random.Next(1, 4); i > 0; i--)
        {
            word.Append(consonants[random.Next(consonants.Length)]).Append(vowels[random.Next(vowels.Length)]);
        }

        return word.ToString();
    }
}
