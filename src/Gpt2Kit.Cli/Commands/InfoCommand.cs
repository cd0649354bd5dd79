using System.CommandLine;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.SafeTensors;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit info</c>: a checkpoint's configuration, parameter count, stored dtype and memory.</summary>
internal static class InfoCommand
{
    internal static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "demo, a checkpoint folder (config.json, model.safetensors) or a Hugging Face name (gpt2, org/name@revision).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var dtype = DTypeOption.Create();
        var command = new Command("info", "Show a GPT-2 checkpoint's configuration, parameter count, dtype and memory use.") { model, dtype, json }.WithExamples(
            "gpt2kit info --model gpt2",
            "gpt2kit info --model ./my-checkpoint --json");
        command.SetAction(async (parse, cancellationToken) =>
        {
            string folder = await CheckpointLoader.ResolveAsync(context, parse.GetValue(model), cancellationToken);
            using var loaded = CheckpointLoader.Load(context, folder, threads: 1, parse.GetValue(json), DTypeOption.Read(parse, dtype));
            var config = loaded.Config;
            long cachePerPosition = (long)config.LayerCount * 2 * config.HiddenSize * sizeof(float);
            var info = new
            {
                name = loaded.Info.Name,
                model_type = "gpt2",
                vocab_size = config.VocabSize,
                n_positions = config.ContextLength,
                n_embd = config.HiddenSize,
                n_layer = config.LayerCount,
                n_head = config.HeadCount,
                n_inner = config.InnerSize,
                activation_function = Gpt2Config.ActivationName(config.Activation),
                layer_norm_epsilon = config.LayerNormEpsilon,
                scale_attn_weights = config.ScaleAttentionWeights,
                scale_attn_by_inverse_layer_idx = config.ScaleAttentionByInverseLayerIndex,
                tie_word_embeddings = config.TieWordEmbeddings,
                eos_token_id = config.EosTokenIds,
                bos_token_id = config.BosTokenId,
                pad_token_id = config.PadTokenId,
                parameters = loaded.ParameterCount,
                dtype = string.Join("+", loaded.StoredDTypes.Select(SafeTensorsDTypes.Name)),
                compute_dtype = loaded.DType,
                mapped_bytes = loaded.MappedBytes,
                weight_bytes = loaded.WeightBytes,
                converted_bytes = loaded.ConvertedBytes,
                kv_cache_bytes_per_position = cachePerPosition,
                full_context_session_bytes = loaded.SessionBytes(1, config.ContextLength),
            };

            if (parse.GetValue(json))
            {
                CliJson.Write(context.Out, info);
                return ExitCodes.Success;
            }

            var o = context.Out;
            o.WriteLine($"model        {info.name} (gpt2)");
            o.WriteLine($"shape        n_layer {info.n_layer}, n_embd {info.n_embd}, n_head {info.n_head}, n_inner {info.n_inner}, n_positions {info.n_positions}, vocab_size {info.vocab_size}");
            o.WriteLine($"activation   {info.activation_function}, layer_norm_epsilon {info.layer_norm_epsilon}");
            o.WriteLine($"special ids  eos [{string.Join(", ", info.eos_token_id)}], bos {info.bos_token_id?.ToString() ?? "none"}, pad {info.pad_token_id?.ToString() ?? "none"}");
            o.WriteLine($"parameters   {info.parameters:N0}");
            o.WriteLine($"dtype        {info.dtype} stored, {info.compute_dtype} weights computed in fp32 registers");
            o.WriteLine($"memory       {info.weight_bytes / 1e6:F1} MB of {info.compute_dtype} weights ({info.mapped_bytes / 1e6:F1} MB mapped, {info.converted_bytes / 1e6:F1} MB converted)");
            o.WriteLine($"kv cache     {info.kv_cache_bytes_per_position / 1024.0:F1} KiB per position per row; a full-context session takes {info.full_context_session_bytes / 1e6:F1} MB");
            return ExitCodes.Success;
        });
        return command;
    }
}
