using System.Text.RegularExpressions;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2.SafeTensors;

/// <summary>The tensors of a GPT-2 checkpoint by their plain names (<c>h.0.attn.c_attn.weight</c>), whichever backend
/// computes with them: keys may carry the <c>transformer.</c> prefix, the old <c>attn.bias</c>/<c>attn.masked_bias</c>
/// buffers are left out, and <see cref="Find"/> checks a tensor's shape against <c>config.json</c> and its dtype.
/// <see cref="Layout"/> lists what a checkpoint must hold; <c>lm_head.weight</c> only when the output layer is not tied.</summary>
/// <remarks>Read-only after <see cref="Open"/>; thread-safe. Disposing unmaps the files.</remarks>
internal sealed partial class Gpt2TensorDirectory : IDisposable
{
    private const string Prefix = "transformer.";

    private readonly Dictionary<string, (SafeTensorsFile File, SafeTensorInfo Info)> _byName = new(StringComparer.Ordinal);
    private readonly Gpt2Config _config;

    private Gpt2TensorDirectory(SafeTensorsCheckpoint checkpoint, Gpt2Config config)
    {
        Checkpoint = checkpoint;
        _config = config;
    }

    /// <summary>The mapped checkpoint.</summary>
    public SafeTensorsCheckpoint Checkpoint { get; }

    /// <summary>Maps the checkpoint of <paramref name="folder"/> and indexes its tensors by plain name.</summary>
    /// <exception cref="ModelLoadException">No checkpoint, a malformed file, or a tensor stored under both names.</exception>
    public static Gpt2TensorDirectory Open(string folder, Gpt2Config config)
    {
        var directory = new Gpt2TensorDirectory(SafeTensorsCheckpoint.Open(folder), config);
        try
        {
            directory.Index();
            return directory;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Every tensor a checkpoint of <paramref name="config"/> must hold, with its shape, in load order (Conv1D
    /// weights in their <c>[in, out]</c> layout).</summary>
    public static IEnumerable<(string Name, long[] Shape)> Layout(Gpt2Config config)
    {
        long d = config.HiddenSize, inner = config.InnerSize;
        yield return ("wte.weight", [config.VocabSize, d]);
        yield return ("wpe.weight", [config.ContextLength, d]);
        for (int i = 0; i < config.LayerCount; i++)
        {
            string p = $"h.{i}.";
            yield return (p + "ln_1.weight", [d]);
            yield return (p + "ln_1.bias", [d]);
            yield return (p + "attn.c_attn.weight", [d, 3 * d]);
            yield return (p + "attn.c_attn.bias", [3 * d]);
            yield return (p + "attn.c_proj.weight", [d, d]);
            yield return (p + "attn.c_proj.bias", [d]);
            yield return (p + "ln_2.weight", [d]);
            yield return (p + "ln_2.bias", [d]);
            yield return (p + "mlp.c_fc.weight", [d, inner]);
            yield return (p + "mlp.c_fc.bias", [inner]);
            yield return (p + "mlp.c_proj.weight", [inner, d]);
            yield return (p + "mlp.c_proj.bias", [d]);
        }

        yield return ("ln_f.weight", [d]);
        yield return ("ln_f.bias", [d]);
        if (!config.TieWordEmbeddings)
        {
            yield return ("lm_head.weight", [config.VocabSize, d]);
        }
    }

    /// <summary>The tensor <paramref name="name"/>, checked to have <paramref name="shape"/> and a supported dtype.</summary>
    /// <exception cref="ModelLoadException">The tensor is missing, or has another shape or an unsupported dtype; the message names the file and tensor.</exception>
    public (SafeTensorsFile File, SafeTensorInfo Info, SafeTensorsDType DType) Find(string name, long[] shape)
    {
        string shapeText = $"[{string.Join(", ", shape)}]";
        if (!_byName.TryGetValue(name, out var entry))
        {
            throw new ModelLoadException($"{CheckpointName()}: the tensor '{name}' (or '{Prefix}{name}') of shape {shapeText} is missing.");
        }

        var (file, info) = entry;
        if (!info.Shape.SequenceEqual(shape))
        {
            throw new ModelLoadException(
                $"{file.Path}: tensor '{info.Name}' has shape {info.ShapeText}, but config.json ({ShapeSource()}) requires {shapeText}.");
        }

        var dtype = SafeTensorsDTypes.TryParseSupported(info.DType)
            ?? throw new ModelLoadException($"{file.Path}: tensor '{info.Name}' has dtype {info.DType}; supported: {SafeTensorsDTypes.SupportedList}.");
        return (file, info, dtype);
    }

    /// <summary>The tensor stored under <paramref name="name"/> (a plain name, e.g. a q8 matrix's scales), unchecked.</summary>
    public bool TryGet(string name, out (SafeTensorsFile File, SafeTensorInfo Info) entry) => _byName.TryGetValue(name, out entry);

    /// <summary>Bytes of the tensor <paramref name="name"/> (0 when absent).</summary>
    public long ByteSize(string name) => _byName.TryGetValue(name, out var entry) ? entry.Info.End - entry.Info.Begin : 0;

    /// <summary>Unmaps the files.</summary>
    public void Dispose() => Checkpoint.Dispose();

    [GeneratedRegex(@"^h\.\d+\.attn\.(bias|masked_bias)$", RegexOptions.CultureInvariant)]
    private static partial Regex AttentionBufferPattern();

    private void Index()
    {
        foreach (var (key, entry) in Checkpoint.Tensors)
        {
            string name = key.StartsWith(Prefix, StringComparison.Ordinal) ? key[Prefix.Length..] : key;
            if (AttentionBufferPattern().IsMatch(name))
            {
                continue;
            }

            if (!_byName.TryAdd(name, entry))
            {
                throw new ModelLoadException($"{entry.File.Path}: the checkpoint holds both '{name}' and '{Prefix}{name}'.");
            }
        }
    }

    private string CheckpointName() => Checkpoint.Files.Count == 1
        ? Checkpoint.Files[0].Path
        : Path.Combine(Path.GetDirectoryName(Checkpoint.Files[0].Path) ?? ".", SafeTensorsCheckpoint.IndexFileName);

    private string ShapeSource() =>
        $"vocab_size {_config.VocabSize}, n_positions {_config.ContextLength}, n_embd {_config.HiddenSize}, n_inner {_config.InnerSize}";
}
