namespace Gpt2Kit.Configuration;

/// <summary>Hugging Face <c>GenerationConfig</c> keys that Gpt2Kit has no field for. Some never change the generated
/// tokens (metadata, output shapes, caching, assisted decoding) and are accepted silently so that a pasted
/// <c>generation_config.json</c> works; the others would change the result, so they are accepted only while they hold
/// their "off" value.</summary>
internal static class HuggingFaceOnlyKeys
{
    /// <summary>Keys that do not change which tokens are generated.</summary>
    public static IReadOnlySet<string> Ignored { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "transformers_version", "_from_model_config", "_commit_hash", "_original_object_hash", "trust_remote_code",
        "use_cache", "cache_implementation", "cache_config", "return_legacy_cache", "low_memory", "compile_config",
        "output_scores", "output_logits", "output_attentions", "output_hidden_states", "return_dict_in_generate",
        "generation_kwargs", "decoder_start_token_id", "is_assistant", "num_assistant_tokens",
        "num_assistant_tokens_schedule", "assistant_confidence_threshold", "assistant_lookbehind", "target_lookbehind",
        "prompt_lookup_num_tokens", "max_matching_ngram_size", "assistant_early_exit", "disable_compile",
    };

    /// <summary>Keys whose feature Gpt2Kit does not implement, with the values that mean "off" (compared as text,
    /// case-insensitively; JSON null is always "off").</summary>
    public static IReadOnlyDictionary<string, string[]> UnsupportedUnlessOff { get; } = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["guidance_scale"] = ["1", "1.0"],
        ["force_words_ids"] = [],
        ["constraints"] = [],
        ["forced_decoder_ids"] = [],
        ["dola_layers"] = [],
        ["watermarking_config"] = [],
        ["token_healing"] = ["false"],
    };
}
