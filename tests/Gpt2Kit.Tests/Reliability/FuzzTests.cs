using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Models;
using Gpt2Kit.Testing;
using Xunit.Abstractions;

namespace Gpt2Kit.Tests.Reliability;

/// <summary>Seeded fuzzing of everything Gpt2Kit reads from outside: safetensors headers, config.json,
/// generation_config.json, vocab.json/merges.txt and generation options. Every case must end in a valid result or a clean
/// error within the time limit; crashes and hangs fail the test and are listed with their case.</summary>
public sealed class FuzzTests(ITestOutputHelper output) : IDisposable
{
    // A checkpoint small enough to rewrite hundreds of times: 300 ids, 32 positions, one layer of width 16.
    private static readonly Gpt2Config SmallShape = new()
    {
        VocabSize = 300, ContextLength = 32, HiddenSize = 16, HeadCount = 2, LayerCount = 1, InnerSize = 64, EosTokenIds = [299], BosTokenId = 299,
    };

    private static readonly JsonNode?[] HostileValues =
    [
        0, -1, 1, 2, 3, 7, 31, 64, 300, 1_000_000_000, int.MaxValue, 2147483648L, long.MaxValue, 1e308, -1e-5, 0.5, 1e-45,
        "NaN", "Infinity", "x", "", "0,7", true, false, null, new JsonArray(), new JsonObject(), new JsonArray(1, 2), new JsonArray(-5, 1_000_000),
        new string('z', 5000),
    ];

    // Names are written as UTF-8, not as \u escapes, so that a byte of one can be broken.
    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly TempFolder _folder = new("gpt2kit-fuzz");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Safetensors_headers()
    {
        string checkpoint = WriteSmallCheckpoint("st");
        string model = Path.Combine(checkpoint, "model.safetensors");
        byte[] original = File.ReadAllBytes(model);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(original, 8, headerLength))!.AsObject();
        byte[] data = original[(8 + headerLength)..];
        var names = header.Where(p => p.Key != "__metadata__").Select(p => p.Key).ToArray();
        var tally = new FuzzTally("safetensors headers", "model.safetensors");
        var random = new Random(11);
        for (int i = 0; i < 120; i++)
        {
            byte[] file = MutateSafetensors(random, (JsonObject)header.DeepClone(), data, names, out string what);
            File.WriteAllBytes(model, file);
            tally.Run($"#{i} {what}", () => LoadAndGenerate(checkpoint));
        }

        Report(tally);
    }

    [Fact]
    public void Config_json()
    {
        string checkpoint = WriteSmallCheckpoint("config");
        string path = Path.Combine(checkpoint, Gpt2Config.FileName);
        var original = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        string[] keys = ["n_layer", "n_embd", "n_head", "n_positions", "vocab_size", "n_inner", "layer_norm_epsilon", "activation_function",
            "eos_token_id", "bos_token_id", "pad_token_id", "model_type", "scale_attn_weights", "tie_word_embeddings", "n_ctx"];
        var tally = new FuzzTally("config.json", checkpoint);
        var random = new Random(12);
        for (int i = 0; i < 80; i++)
        {
            var config = (JsonObject)original.DeepClone();
            string what = MutateObject(random, config, keys);
            string text = random.Next(6) == 0 ? FlipByte(random, config.ToJsonString()) : config.ToJsonString();
            File.WriteAllText(path, text);

            // Every case is parsed; every fourth also loads the checkpoint, so that accepted shapes meet the tensors (a shape
            // that disagrees with them is then reported against model.safetensors, also a file of the checkpoint).
            tally.Run($"#{i} {what}", i % 4 == 0 ? () => LoadAndGenerate(checkpoint) : () => Gpt2Config.Parse(text, path));
        }

        Report(tally);
    }

    [Fact]
    public void Generation_config_json()
    {
        string checkpoint = WriteSmallCheckpoint("generation");
        string path = Path.Combine(checkpoint, Gpt2Config.GenerationFileName);
        var tally = new FuzzTally("generation_config.json", "generation_config.json");
        var random = new Random(13);
        for (int i = 0; i < 80; i++)
        {
            var generation = new JsonObject { ["max_new_tokens"] = 4 };
            string what = MutateObject(random, generation, OptionKeys, count: 1 + random.Next(3));
            File.WriteAllText(path, random.Next(8) == 0 ? FlipByte(random, generation.ToJsonString()) : generation.ToJsonString());
            tally.Run($"#{i} {what}", () => LoadAndGenerate(checkpoint));
        }

        Report(tally);
    }

    [Fact]
    public void Vocabulary_and_merges()
    {
        // The first 256 ids of GPT-2's vocabulary are the bytes and id 256 + i is merge i: a consistent small pair.
        var fullVocabulary = JsonNode.Parse(File.ReadAllText(FixturePaths.Get("gpt2-tiny", "vocab.json")))!.AsObject();
        var vocabulary = new JsonObject(fullVocabulary.Where(p => p.Value!.GetValue<int>() < 456).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value!.DeepClone())));
        var merges = File.ReadAllLines(FixturePaths.Get("gpt2-tiny", "merges.txt")).Take(201).ToArray();
        string vocabPath = _folder.File("vocab.json"), mergesPath = _folder.File("merges.txt");
        var tally = new FuzzTally("vocab.json and merges.txt", _folder.Path);
        var random = new Random(14);
        for (int i = 0; i < 60; i++)
        {
            var (vocabBytes, mergesBytes, what) = MutateTokenizer(random, (JsonObject)vocabulary.DeepClone(), merges);
            File.WriteAllBytes(vocabPath, vocabBytes);
            File.WriteAllBytes(mergesPath, mergesBytes);
            tally.Run($"#{i} {what}", () =>
            {
                var tokenizer = Gpt2Tokenizer.FromFiles(vocabPath, mergesPath);
                tokenizer.Decode(tokenizer.Encode("Hello, world! naïve café"));
            });
        }

        Report(tally);
    }

    [Fact]
    public void Generation_options()
    {
        string checkpoint = WriteSmallCheckpoint("options");
        using var model = Gpt2Model.FromPretrained(checkpoint, new ModelLoadOptions { Threads = 1 });
        var generator = TextGenerator.Create(model, Gpt2Tokenizer.Default);
        // num_beams = 10⁹ is refused by the option table's bound on rows (issue #9), before anything is allocated.
        var tally = new FuzzTally("generation options");
        var random = new Random(15);
        for (int i = 0; i < 100; i++)
        {
            var json = new JsonObject { ["max_new_tokens"] = 1 + random.Next(6) };
            string what = MutateObject(random, json, OptionKeys, count: 1 + random.Next(3));
            int[][] prompt = random.Next(5) == 0 ? [[1, 2, 3], [4, 5]] : [[1, 2, 3, 4]];
            tally.Run($"#{i} {what}", () =>
            {
                var options = GenerationConfiguration.FromJson(json.ToJsonString());
                generator.GenerateAsync(GenerationRequest.FromIds(prompt, options)).GetAwaiter().GetResult();
            });
        }

        Report(tally);
    }

    private static readonly string[] OptionKeys =
    [
        "max_length", "max_new_tokens", "min_length", "min_new_tokens", "do_sample", "num_beams", "num_beam_groups", "penalty_alpha",
        "temperature", "top_k", "top_p", "min_p", "typical_p", "epsilon_cutoff", "eta_cutoff", "diversity_penalty", "repetition_penalty",
        "length_penalty", "no_repeat_ngram_size", "bad_words_ids", "forced_bos_token_id", "forced_eos_token_id", "suppress_tokens",
        "begin_suppress_tokens", "sequence_bias", "early_stopping", "num_return_sequences", "pad_token_id", "bos_token_id", "eos_token_id",
        "max_time", "seed", "presence_penalty", "frequency_penalty", "logit_bias", "top_alternatives", "renormalize_logits",
        "exponential_decay_length_penalty", "stop_strings",
    ];

    private static void LoadAndGenerate(string checkpoint)
    {
        using var model = Gpt2Model.FromPretrained(checkpoint, new ModelLoadOptions { Threads = 1 });
        var generator = TextGenerator.Create(model, Gpt2Tokenizer.Default);
        generator.GenerateAsync(GenerationRequest.FromIds([[1, 2, 3]], new GenerationOptions { MaxNewTokens = 3 })).GetAwaiter().GetResult();
    }

    private static string MutateObject(Random random, JsonObject target, string[] keys, int count = 1)
    {
        var changes = new List<string>();
        for (int n = 0; n < count; n++)
        {
            string key = keys[random.Next(keys.Length)];
            var value = HostileValues[random.Next(HostileValues.Length)]?.DeepClone();
            target[key] = value;
            changes.Add($"{key}={value?.ToJsonString() ?? "null"}");
        }

        return string.Join(", ", changes.Select(c => c.Length > 60 ? c[..60] + "…" : c));
    }

    private static string FlipByte(Random random, string text)
    {
        var chars = text.ToCharArray();
        const string replacements = "{}[]\",:0-9ex \\";
        chars[random.Next(chars.Length)] = replacements[random.Next(replacements.Length)];
        return new string(chars);
    }

    private static byte[] MutateSafetensors(Random random, JsonObject header, byte[] data, string[] names, out string what)
    {
        string name = names[random.Next(names.Length)];
        var tensor = header[name]!.AsObject();
        long[] offsetValues = [-1, 0, 1, 4, data.Length, data.Length + 1, long.MaxValue, 1L << 40];
        long[] dims = [-1, 0, 1, 2, 3, 1L << 32, long.MaxValue];
        byte[]? raw = null;
        long? lengthField = null;
        int? truncate = null;
        byte[] extra = [];
        switch (random.Next(11))
        {
            case 0:
                int side = random.Next(2);
                long offset = random.Next(2) == 0 ? offsetValues[random.Next(offsetValues.Length)] : tensor["data_offsets"]![side]!.GetValue<long>() + random.Next(-8, 9);
                tensor["data_offsets"]![side] = offset;
                what = $"{name} data_offsets[{side}]={offset}";
                break;
            case 1:
                JsonNode?[] dtypes = ["F32", "F16", "BF16", "I8", "BOOL", "F64", "Q4", "", 4, null];
                var dtype = dtypes[random.Next(dtypes.Length)];
                tensor["dtype"] = dtype?.DeepClone();
                what = $"{name} dtype={dtype?.ToJsonString() ?? "null"}";
                break;
            case 2:
                var shape = tensor["shape"]!.AsArray();
                if (shape.Count > 0 && random.Next(3) > 0)
                {
                    long dim = dims[random.Next(dims.Length)];
                    shape[random.Next(shape.Count)] = dim;
                    what = $"{name} shape dim={dim}";
                }
                else
                {
                    shape.Add(random.Next(1, 4));
                    what = $"{name} shape gains a dimension";
                }

                break;
            case 3:
                header.Remove(name);
                what = $"{name} removed";
                break;
            case 4:
                header.Remove(name);
                string renamed = random.Next(2) == 0 ? "" : name + "\u00e9";
                header[renamed] = tensor;
                raw = Encoding.UTF8.GetBytes(header.ToJsonString(Unescaped));
                if (renamed.Length > 0 && random.Next(2) == 0)
                {
                    raw[Array.IndexOf(raw, (byte)0xC3)] = 0xFF;
                    what = $"{name} renamed with invalid UTF-8";
                }
                else
                {
                    what = $"{name} renamed to '{renamed}'";
                }

                break;
            case 5:
                raw = Encoding.UTF8.GetBytes(FlipByte(random, header.ToJsonString()));
                what = "a header character replaced";
                break;
            case 6:
                long[] lengths = [0, 1, 2, long.MaxValue, -1, 100_000_001];
                lengthField = lengths[random.Next(lengths.Length)];
                what = $"header length field {lengthField}";
                break;
            case 7:
                truncate = random.Next(1, 8 + data.Length);
                what = $"file truncated to {truncate} bytes";
                break;
            case 8:
                extra = new byte[random.Next(1, 64)];
                what = $"{extra.Length} bytes appended";
                break;
            case 9:
                header["__metadata__"] = random.Next(2) == 0 ? new JsonObject { ["format"] = "pt" } : new JsonArray(1, 2);
                what = "__metadata__ changed";
                break;
            default:
                header[name + ".copy"] = tensor.DeepClone();
                what = $"{name} listed twice under two names";
                break;
        }

        raw ??= Encoding.UTF8.GetBytes(header.ToJsonString());
        var file = new byte[8 + raw.Length + data.Length + extra.Length];
        BinaryPrimitives.WriteInt64LittleEndian(file, lengthField ?? raw.Length);
        raw.CopyTo(file, 8);
        data.CopyTo(file, 8 + raw.Length);
        return truncate is int cut && cut < file.Length ? file[..cut] : file;
    }

    private static (byte[] Vocabulary, byte[] Merges, string What) MutateTokenizer(Random random, JsonObject vocabulary, string[] merges)
    {
        var lines = merges.ToList();
        string what;
        byte[]? vocabBytes = null;
        switch (random.Next(9))
        {
            case 0:
                string key = vocabulary.ElementAt(random.Next(vocabulary.Count)).Key;
                JsonNode?[] ids = [-1, 0, 455, 456, int.MaxValue, "7", 1.5, null, new JsonArray()];
                var id = ids[random.Next(ids.Length)];
                vocabulary[key] = id?.DeepClone();
                what = $"vocab id of '{key}' = {id?.ToJsonString() ?? "null"}";
                break;
            case 1:
                vocabulary.Remove(vocabulary.ElementAt(random.Next(vocabulary.Count)).Key);
                what = "a vocabulary entry removed";
                break;
            case 2:
                vocabBytes = Encoding.UTF8.GetBytes(vocabulary.ToJsonString());
                vocabBytes[random.Next(vocabBytes.Length)] = (byte)random.Next(256);
                what = "a vocabulary byte changed";
                break;
            case 3:
                vocabBytes = Encoding.UTF8.GetBytes(vocabulary.ToJsonString())[..random.Next(1, 400)];
                what = "vocabulary truncated";
                break;
            case 4:
                int line = random.Next(1, lines.Count);
                string[] replacements = ["a b c", "", "   ", "zzz qqq", "Ġ", "\u00e9 x", lines[line] + " ", "#version: 0.2"];
                lines[line] = replacements[random.Next(replacements.Length)];
                what = $"merges line {line + 1} = '{lines[line]}'";
                break;
            case 5:
                lines.Reverse(1, lines.Count - 1);
                what = "merges in reverse order";
                break;
            case 6:
                lines.Add(lines[random.Next(1, lines.Count)]);
                what = "a merge repeated";
                break;
            case 7:
                vocabulary["<|endoftext|>"] = 3;
                what = "a special token sharing an id";
                break;
            default:
                vocabulary["new\u00e9token"] = 456 + random.Next(3);
                what = "a token whose merge is missing";
                break;
        }

        byte[] mergeBytes = Encoding.UTF8.GetBytes(string.Join(random.Next(4) == 0 ? "\r\n" : "\n", lines));
        if (random.Next(10) == 0)
        {
            mergeBytes[random.Next(mergeBytes.Length)] = 0xFE;
            what += ", invalid UTF-8 in merges";
        }

        return (vocabBytes ?? Encoding.UTF8.GetBytes(vocabulary.ToJsonString()), mergeBytes, what);
    }

    private string WriteSmallCheckpoint(string name)
    {
        string folder = _folder.File(name);
        Gpt2RandomCheckpoint.Write(folder, SmallShape, seed: 7);
        return folder;
    }

    private void Report(FuzzTally tally)
    {
        output.WriteLine(tally.ToString());
        foreach (string failure in tally.Failures)
        {
            output.WriteLine(failure);
        }

        tally.Failures.Should().BeEmpty(tally.ToString());
        tally.KnownFixed.Should().BeEmpty("a known crash that no longer happens was fixed: remove it from the known list");
        (tally.Valid + tally.CleanErrors + tally.KnownCrashes).Should().Be(tally.Tried);
        tally.CleanErrors.Should().BeGreaterThan(0, "the mutations must reach the validation, not only pass through it");
    }
}
