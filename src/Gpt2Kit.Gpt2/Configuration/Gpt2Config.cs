using System.Text.Json;
using System.Text.Json.Nodes;
using Gpt2Kit.Files;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2;

/// <summary>The shape and special ids of a GPT-2 checkpoint, read from Hugging Face's <c>config.json</c> (and
/// <c>generation_config.json</c> when present).</summary>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record Gpt2Config
{
    /// <summary>The file name of the model configuration inside a checkpoint folder.</summary>
    public const string FileName = "config.json";

    /// <summary>The file name of the generation defaults inside a checkpoint folder.</summary>
    public const string GenerationFileName = "generation_config.json";

    /// <summary>The activation names <c>activation_function</c> accepts.</summary>
    public static IReadOnlyList<string> SupportedActivations { get; } =
        ["gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu", "relu", "silu", "swish", "quick_gelu"];

    /// <summary>The shapes <see cref="FromPreset"/> knows: the four OpenAI GPT-2 sizes and the tiny test shape.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "tiny"];

    /// <summary>The largest <c>vocab_size</c> accepted (2²⁴ ids); larger values are rejected before anything is allocated.</summary>
    public const int MaxVocabSize = 1 << 24;

    /// <summary>The largest <c>n_positions</c> accepted (2²⁰).</summary>
    public const int MaxContextLength = 1 << 20;

    /// <summary>The largest <c>n_embd</c> accepted (GPT-2 XL has 1600).</summary>
    public const int MaxHiddenSize = 1 << 15;

    /// <summary>The largest <c>n_inner</c> accepted (4 × <see cref="MaxHiddenSize"/>).</summary>
    public const int MaxInnerSize = 1 << 17;

    /// <summary>The largest <c>n_layer</c> accepted (GPT-2 XL has 48).</summary>
    public const int MaxLayerCount = 1024;

    /// <summary><c>vocab_size</c>: rows of <c>wte</c> and entries of a logits row.</summary>
    public int VocabSize { get; init; } = 50257;

    /// <summary><c>n_positions</c>: rows of <c>wpe</c>, the largest context.</summary>
    public int ContextLength { get; init; } = 1024;

    /// <summary><c>n_embd</c>: the hidden width.</summary>
    public int HiddenSize { get; init; } = 768;

    /// <summary><c>n_layer</c>: number of transformer blocks.</summary>
    public int LayerCount { get; init; } = 12;

    /// <summary><c>n_head</c>: attention heads per block.</summary>
    public int HeadCount { get; init; } = 12;

    /// <summary><c>n_inner</c>: the MLP width; <c>null</c> in the file means <c>4·n_embd</c>.</summary>
    public int InnerSize { get; init; } = 3072;

    /// <summary><c>layer_norm_epsilon</c>.</summary>
    public float LayerNormEpsilon { get; init; } = 1e-5f;

    /// <summary><c>activation_function</c>.</summary>
    public Gpt2Activation Activation { get; init; } = Gpt2Activation.GeluNew;

    /// <summary><c>scale_attn_weights</c>: divide attention scores by <c>√head_size</c>.</summary>
    public bool ScaleAttentionWeights { get; init; } = true;

    /// <summary><c>scale_attn_by_inverse_layer_idx</c>: also divide the scores of layer <c>i</c> by <c>i + 1</c>.</summary>
    public bool ScaleAttentionByInverseLayerIndex { get; init; }

    /// <summary><c>reorder_and_upcast_attn</c>: computing the scores in fp32; the same as the plain path in fp32.</summary>
    public bool ReorderAndUpcastAttention { get; init; }

    /// <summary><c>tie_word_embeddings</c>: the output layer is <c>wte</c> when the checkpoint has no <c>lm_head.weight</c>.</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary>End-of-sequence ids (<c>eos_token_id</c>, a number or a list; <c>generation_config.json</c> wins).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [50256];

    /// <summary><c>bos_token_id</c>.</summary>
    public int? BosTokenId { get; init; } = 50256;

    /// <summary><c>pad_token_id</c> (GPT-2 defines none).</summary>
    public int? PadTokenId { get; init; }

    /// <summary>Width of one attention head: <see cref="HiddenSize"/> / <see cref="HeadCount"/>.</summary>
    public int HeadSize => HiddenSize / HeadCount;

    /// <summary>Number of parameters of the transformer (embeddings, blocks, final norm), the tied output layer not counted twice.</summary>
    public long ParameterCount
    {
        get
        {
            long d = HiddenSize, inner = InnerSize;
            long perLayer = (2 * 2 * d) + (d * 3 * d) + (3 * d) + (d * d) + d + (d * inner) + inner + (inner * d) + d;
            return ((long)VocabSize * d) + ((long)ContextLength * d) + (LayerCount * perLayer) + (2 * d);
        }
    }

    /// <summary>What a generator needs to know about a model of this configuration, under the display name <paramref name="name"/>.</summary>
    public ModelInfo ToModelInfo(string name) => new()
    {
        Name = name,
        VocabSize = VocabSize,
        ContextLength = ContextLength,
        HiddenSize = HiddenSize,
        EosTokenIds = EosTokenIds,
        BosTokenId = BosTokenId,
        PadTokenId = PadTokenId,
        GenerationConfigJson = GenerationConfigJson,
    };

    /// <summary>A configuration of one of the <see cref="PresetNames"/>: <c>gpt2</c> (124M), <c>gpt2-medium</c> (355M),
    /// <c>gpt2-large</c> (774M), <c>gpt2-xl</c> (1.5B), or <c>tiny</c> (2 layers, width 64, 4 heads, 128 positions).</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a preset.</exception>
    public static Gpt2Config FromPreset(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        (int d, int layers, int heads, int positions) = name.ToLowerInvariant() switch
        {
            "gpt2" => (768, 12, 12, 1024),
            "gpt2-medium" => (1024, 24, 16, 1024),
            "gpt2-large" => (1280, 36, 20, 1024),
            "gpt2-xl" => (1600, 48, 25, 1024),
            "tiny" => (64, 2, 4, 128),
            _ => throw new ArgumentException($"Unknown shape '{name}'; expected one of: {string.Join(", ", PresetNames)}.", nameof(name)),
        };
        return new Gpt2Config { HiddenSize = d, LayerCount = layers, HeadCount = heads, ContextLength = positions, InnerSize = 4 * d };
    }

    /// <summary>Reads <c>config.json</c> from a checkpoint folder, then <c>generation_config.json</c> when it exists.</summary>
    /// <exception cref="ModelLoadException">A file is missing or malformed, or a value is out of range; the message names the file and key.</exception>
    public static Gpt2Config Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw new ModelLoadException($"The model folder '{folder}' does not exist.");
        }

        string configPath = Path.Combine(folder, FileName);
        if (!File.Exists(configPath))
        {
            throw new ModelLoadException($"{configPath} was not found; a GPT-2 checkpoint folder holds config.json and model.safetensors.");
        }

        string generationPath = Path.Combine(folder, GenerationFileName);
        return Parse(
            ReadSettings(configPath),
            configPath,
            File.Exists(generationPath) ? ReadSettings(generationPath) : null,
            generationPath);
    }

    private static string ReadSettings(string path)
    {
        try
        {
            return BoundedFile.ReadAllText(path, BoundedFile.MaxSettingsBytes);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException(e.Message, e);
        }
    }

    /// <summary>Parses the text of a <c>config.json</c> (and optionally of a <c>generation_config.json</c>) and validates it.</summary>
    /// <param name="configJson">The text of <c>config.json</c>.</param>
    /// <param name="configSource">The name used for the file in error messages.</param>
    /// <param name="generationConfigJson">The text of <c>generation_config.json</c>, or null.</param>
    /// <param name="generationSource">The name used for that file in error messages.</param>
    /// <exception cref="ModelLoadException">The text is malformed or a value is out of range; the message names the file and key.</exception>
    public static Gpt2Config Parse(string configJson, string configSource = FileName, string? generationConfigJson = null, string generationSource = GenerationFileName)
    {
        ArgumentNullException.ThrowIfNull(configJson);
        var json = Gpt2ConfigJsonContext.Read(configJson, configSource, Gpt2ConfigJsonContext.Default.Gpt2ConfigFile);
        if (json.ModelType is { } modelType && modelType != "gpt2")
        {
            throw new ModelLoadException($"{configSource}: model_type is '{modelType}'; this backend loads 'gpt2' checkpoints.");
        }

        int hidden = json.NEmbd ?? json.HiddenSize ?? 768;
        int vocab = json.VocabSize ?? 50257;

        // Like transformers' GPT2Config, absent special ids default to 50256 (when the vocabulary has that id).
        int? defaultSpecialId = vocab > 50256 ? 50256 : null;
        var config = new Gpt2Config
        {
            VocabSize = vocab,
            ContextLength = json.NPositions ?? json.MaxPositionEmbeddings ?? 1024,
            HiddenSize = hidden,
            LayerCount = json.NLayer ?? json.NumHiddenLayers ?? 12,
            HeadCount = json.NHead ?? json.NumAttentionHeads ?? 12,
            InnerSize = json.NInner ?? 4 * hidden,
            LayerNormEpsilon = (float?)json.LayerNormEpsilon ?? 1e-5f,
            Activation = ParseActivation(json.ActivationFunction ?? "gelu_new", configSource),
            ScaleAttentionWeights = json.ScaleAttnWeights ?? true,
            ScaleAttentionByInverseLayerIndex = json.ScaleAttnByInverseLayerIdx ?? false,
            ReorderAndUpcastAttention = json.ReorderAndUpcastAttn ?? false,
            TieWordEmbeddings = json.TieWordEmbeddings ?? true,
            EosTokenIds = json.EosTokenId ?? (defaultSpecialId is int eos ? [eos] : []),
            BosTokenId = json.HasBosTokenId ? json.BosTokenId : defaultSpecialId,
            PadTokenId = json.PadTokenId,
        };

        if (generationConfigJson is not null)
        {
            var generation = Gpt2ConfigJsonContext.Read(generationConfigJson, generationSource, Gpt2ConfigJsonContext.Default.Gpt2SpecialIdsFile);
            // The shape is checked first, so that an id from generation_config.json is reported against that file.
            config.Validate(configSource);
            config = config with
            {
                EosTokenIds = generation.EosTokenId ?? config.EosTokenIds,
                BosTokenId = generation.BosTokenId ?? config.BosTokenId,
                PadTokenId = generation.PadTokenId ?? config.PadTokenId,
                GenerationConfigJson = generationConfigJson,
            };
            config.ValidateSpecialIds(generationSource);
            return config;
        }

        config.Validate(configSource);
        return config;
    }

    /// <summary>The text of the checkpoint's <c>generation_config.json</c>, or null; generation applies it as the model's defaults.</summary>
    public string? GenerationConfigJson { get; init; }

    /// <summary>Checks that every size is in its range (1 to <see cref="MaxVocabSize"/>, <see cref="MaxContextLength"/>,
    /// <see cref="MaxHiddenSize"/>, <see cref="MaxInnerSize"/>, <see cref="MaxLayerCount"/>; <c>n_head</c> at most
    /// <c>n_embd</c>), that <c>n_embd</c> divides into <c>n_head</c> heads and that special ids are in the vocabulary.</summary>
    /// <param name="source">The file named in error messages.</param>
    /// <exception cref="ModelLoadException">A value is out of range; the message names the file, key and allowed range.</exception>
    public void Validate(string source = FileName)
    {
        RequireInRange(VocabSize, "vocab_size", MaxVocabSize, source);
        RequireInRange(ContextLength, "n_positions", MaxContextLength, source);
        RequireInRange(HiddenSize, "n_embd", MaxHiddenSize, source);
        RequireInRange(LayerCount, "n_layer", MaxLayerCount, source);
        RequireInRange(HeadCount, "n_head", HiddenSize, source);
        RequireInRange(InnerSize, "n_inner", MaxInnerSize, source);
        if (HiddenSize % HeadCount != 0)
        {
            throw new ModelLoadException($"{source}: n_embd ({HiddenSize}) must be a multiple of n_head ({HeadCount}).");
        }

        if (!(LayerNormEpsilon > 0) || float.IsInfinity(LayerNormEpsilon))
        {
            throw new ModelLoadException($"{source}: layer_norm_epsilon must be a positive number, got {LayerNormEpsilon}.");
        }

        ValidateSpecialIds(source);
    }

    private void ValidateSpecialIds(string source)
    {
        foreach (int id in EosTokenIds)
        {
            RequireTokenId(id, "eos_token_id", source);
        }

        if (BosTokenId is int bos)
        {
            RequireTokenId(bos, "bos_token_id", source);
        }

        if (PadTokenId is int pad)
        {
            RequireTokenId(pad, "pad_token_id", source);
        }
    }

    /// <summary>This configuration as a Hugging Face <c>config.json</c> document.</summary>
    public string ToConfigJson()
    {
        var node = new JsonObject
        {
            ["activation_function"] = ActivationName(Activation),
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["attn_pdrop"] = 0.1,
            ["bos_token_id"] = BosTokenId,
            ["embd_pdrop"] = 0.1,
            ["eos_token_id"] = EosTokenIdsNode(),
            ["initializer_range"] = 0.02,
            ["layer_norm_epsilon"] = LayerNormEpsilon,
            ["model_type"] = "gpt2",
            ["n_ctx"] = ContextLength,
            ["n_embd"] = HiddenSize,
            ["n_head"] = HeadCount,
            ["n_inner"] = InnerSize == 4 * HiddenSize ? null : InnerSize,
            ["n_layer"] = LayerCount,
            ["n_positions"] = ContextLength,
            ["reorder_and_upcast_attn"] = ReorderAndUpcastAttention,
            ["resid_pdrop"] = 0.1,
            ["scale_attn_by_inverse_layer_idx"] = ScaleAttentionByInverseLayerIndex,
            ["scale_attn_weights"] = ScaleAttentionWeights,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["use_cache"] = true,
            ["vocab_size"] = VocabSize,
        };
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The special ids as a Hugging Face <c>generation_config.json</c> document.</summary>
    public string ToGenerationConfigJson()
    {
        var node = new JsonObject
        {
            ["_from_model_config"] = true,
            ["bos_token_id"] = BosTokenId,
            ["eos_token_id"] = EosTokenIdsNode(),
        };
        if (PadTokenId is int pad)
        {
            node["pad_token_id"] = pad;
        }

        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The name <c>config.json</c> uses for <paramref name="activation"/>.</summary>
    public static string ActivationName(Gpt2Activation activation) => activation switch
    {
        Gpt2Activation.GeluNew => "gelu_new",
        Gpt2Activation.Relu => "relu",
        Gpt2Activation.Silu => "silu",
        Gpt2Activation.QuickGelu => "quick_gelu",
        Gpt2Activation.Gelu => "gelu",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    private JsonNode? EosTokenIdsNode() => EosTokenIds.Count switch
    {
        0 => null,
        1 => EosTokenIds[0],
        _ => new JsonArray([.. EosTokenIds.Select(id => (JsonNode?)id)]),
    };

    private static Gpt2Activation ParseActivation(string name, string source) => name switch
    {
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => Gpt2Activation.GeluNew,
        "relu" => Gpt2Activation.Relu,
        "silu" or "swish" => Gpt2Activation.Silu,
        "quick_gelu" => Gpt2Activation.QuickGelu,
        "gelu" => Gpt2Activation.Gelu,
        _ => throw new ModelLoadException(
            $"{source}: activation_function '{name}' is not supported; supported: {string.Join(", ", SupportedActivations)}."),
    };

    private static void RequireInRange(int value, string key, int max, string source)
    {
        if (value <= 0 || value > max)
        {
            throw new ModelLoadException($"{source}: {key} must be an integer in 1..{max}, got {value}.");
        }
    }

    private void RequireTokenId(int id, string key, string source)
    {
        if (id < 0 || id >= VocabSize)
        {
            throw new ModelLoadException($"{source}: {key} {id} is outside the vocabulary 0..{VocabSize - 1}.");
        }
    }
}
