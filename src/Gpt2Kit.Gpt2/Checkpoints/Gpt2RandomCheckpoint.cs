using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.SafeTensors;

namespace Gpt2Kit.Gpt2;

/// <summary>Writes a GPT-2 checkpoint folder with random weights in Hugging Face's layout (<c>config.json</c>,
/// <c>generation_config.json</c>, <c>model.safetensors</c>, <c>vocab.json</c>, <c>merges.txt</c>), for benchmarks and tests
/// of shapes whose real weights are not at hand. Weights follow transformers' GPT-2 initialization: embeddings and
/// Conv1D weights N(0, 0.02) (the two <c>c_proj</c> weights N(0, 0.02/√(2·n_layer))), biases 0, LayerNorm weights 1,
/// from a seeded generator that gives the same file on every machine.</summary>
/// <remarks>Stateless; thread-safe (different folders).</remarks>
public static class Gpt2RandomCheckpoint
{
    private const int ChunkElements = 16 * GaussianFill.BlockSize;
    private const float InitializerRange = 0.02f;

    /// <summary>Writes the folder (created if needed; existing files of the same names are replaced).</summary>
    /// <param name="folder">Destination folder.</param>
    /// <param name="config">The shape; <see cref="Gpt2Config.FromPreset"/> gives the OpenAI sizes.</param>
    /// <param name="dtype">The stored dtype of every tensor.</param>
    /// <param name="seed">The generator seed.</param>
    /// <param name="progress">Fraction written and the current tensor.</param>
    public static void Write(string folder, Gpt2Config config, SafeTensorsDType dtype = SafeTensorsDType.F32, ulong seed = 0,
        IProgress<(double Fraction, string Step)>? progress = null) =>
        Write(folder, config, dtype, seed, progress, keyPrefix: "", maxShardBytes: null);

    /// <summary>Writes the folder, optionally with <paramref name="keyPrefix"/> before every key and split into shards
    /// of at most <paramref name="maxShardBytes"/> listed by <c>model.safetensors.index.json</c>.</summary>
    internal static void Write(string folder, Gpt2Config config, SafeTensorsDType dtype, ulong seed,
        IProgress<(double Fraction, string Step)>? progress, string keyPrefix, long? maxShardBytes)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, Gpt2Config.FileName), config.ToConfigJson());
        File.WriteAllText(Path.Combine(folder, Gpt2Config.GenerationFileName), config.ToGenerationConfigJson());
        CopyResource("Gpt2Kit.Gpt2.encoder.json", Path.Combine(folder, "vocab.json"));
        CopyResource("Gpt2Kit.Gpt2.vocab.bpe", Path.Combine(folder, "merges.txt"));

        var specs = TensorSpecs(config);
        long totalElements = specs.Sum(s => s.Shape.Aggregate(1L, (a, b) => a * b));
        long written = 0;
        var entries = specs.Select((spec, index) => new SafeTensorsEntry(
            keyPrefix + spec.Name,
            SafeTensorsDTypes.Name(dtype),
            spec.Shape,
            stream =>
            {
                progress?.Report(((double)written / totalElements, spec.Name));
                long count = WriteTensor(stream, spec, dtype, seed, (ulong)index);
                written += count;
            })).ToList();

        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        if (maxShardBytes is not long limit)
        {
            SafeTensorsWriter.Write(Path.Combine(folder, SafeTensorsCheckpoint.SingleFileName), entries, metadata);
        }
        else
        {
            WriteShards(folder, entries, metadata, limit);
        }

        progress?.Report((1.0, "done"));
    }

    private static void WriteShards(string folder, List<SafeTensorsEntry> entries, Dictionary<string, string> metadata, long limit)
    {
        var shards = new List<List<SafeTensorsEntry>> { new() };
        long size = 0;
        foreach (var entry in entries)
        {
            if (shards[^1].Count > 0 && size + entry.ByteLength > limit)
            {
                shards.Add([]);
                size = 0;
            }

            shards[^1].Add(entry);
            size += entry.ByteLength;
        }

        var weightMap = new JsonObject();
        for (int i = 0; i < shards.Count; i++)
        {
            string name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            SafeTensorsWriter.Write(Path.Combine(folder, name), shards[i], metadata);
            foreach (var entry in shards[i])
            {
                weightMap[entry.Name] = name;
            }
        }

        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = entries.Sum(e => e.ByteLength) },
            ["weight_map"] = weightMap,
        };
        File.WriteAllText(Path.Combine(folder, SafeTensorsCheckpoint.IndexFileName), index.ToJsonString());
    }

    private static long WriteTensor(Stream stream, TensorSpec spec, SafeTensorsDType dtype, ulong seed, ulong streamId)
    {
        long count = spec.Shape.Aggregate(1L, (a, b) => a * b);
        float[] values = new float[(int)Math.Min(ChunkElements, Math.Max(1, count))];
        byte[] bytes = new byte[values.Length * SafeTensorsDTypes.ElementSize(dtype)];
        for (long start = 0; start < count; start += ChunkElements)
        {
            int length = (int)Math.Min(ChunkElements, count - start);
            var chunk = values.AsSpan(0, length);
            if (spec.Std is float std)
            {
                long chunkStart = start;
                Parallel.For(0, (length + GaussianFill.BlockSize - 1) / GaussianFill.BlockSize, block =>
                {
                    int offset = block * GaussianFill.BlockSize;
                    var part = values.AsSpan(offset, Math.Min(GaussianFill.BlockSize, length - offset));
                    GaussianFill.Fill(part, chunkStart + offset, seed, streamId, std);
                });
            }
            else
            {
                chunk.Fill(spec.Constant);
            }

            stream.Write(Encode(chunk, dtype, bytes));
        }

        return count;
    }

    private static ReadOnlySpan<byte> Encode(Span<float> values, SafeTensorsDType dtype, byte[] buffer)
    {
        switch (dtype)
        {
            case SafeTensorsDType.F32:
                return MemoryMarshal.AsBytes(values);
            case SafeTensorsDType.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(buffer.AsSpan(0, values.Length * 2));
                TensorPrimitives.ConvertToHalf(values, halves);
                return MemoryMarshal.AsBytes(halves);
            default:
                var bits = MemoryMarshal.Cast<byte, ushort>(buffer.AsSpan(0, values.Length * 2));
                for (int i = 0; i < values.Length; i++)
                {
                    bits[i] = SingleToBFloat16.Convert(values[i]);
                }

                return MemoryMarshal.AsBytes(bits);
        }
    }

    private static List<TensorSpec> TensorSpecs(Gpt2Config config)
    {
        long d = config.HiddenSize, inner = config.InnerSize;
        float projectionStd = InitializerRange / MathF.Sqrt(2f * config.LayerCount);
        var specs = new List<TensorSpec>
        {
            new("wte.weight", [config.VocabSize, d], InitializerRange),
            new("wpe.weight", [config.ContextLength, d], InitializerRange),
        };
        for (int i = 0; i < config.LayerCount; i++)
        {
            string p = $"h.{i}.";
            specs.AddRange(
            [
                new(p + "ln_1.weight", [d], null, 1f),
                new(p + "ln_1.bias", [d], null),
                new(p + "attn.c_attn.weight", [d, 3 * d], InitializerRange),
                new(p + "attn.c_attn.bias", [3 * d], null),
                new(p + "attn.c_proj.weight", [d, d], projectionStd),
                new(p + "attn.c_proj.bias", [d], null),
                new(p + "ln_2.weight", [d], null, 1f),
                new(p + "ln_2.bias", [d], null),
                new(p + "mlp.c_fc.weight", [d, inner], InitializerRange),
                new(p + "mlp.c_fc.bias", [inner], null),
                new(p + "mlp.c_proj.weight", [inner, d], projectionStd),
                new(p + "mlp.c_proj.bias", [d], null),
            ]);
        }

        specs.Add(new("ln_f.weight", [d], null, 1f));
        specs.Add(new("ln_f.bias", [d], null));
        if (!config.TieWordEmbeddings)
        {
            specs.Add(new("lm_head.weight", [config.VocabSize, d], InitializerRange));
        }

        return specs;
    }

    private static void CopyResource(string name, string path)
    {
        using var source = typeof(Gpt2RandomCheckpoint).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource {name} is missing from Gpt2Kit.Gpt2.");
        using var destination = File.Create(path);
        source.CopyTo(destination);
    }

    /// <summary>A tensor's name and shape, and either a normal std or a constant.</summary>
    private sealed record TensorSpec(string Name, long[] Shape, float? Std, float Constant = 0f);
}
