namespace Gpt2Kit.Gpt2.Tokenization;

/// <summary>Hugging Face's <c>clean_up_tokenization</c>: removes the space the tokenizer put before punctuation and
/// English contractions.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class TokenizationSpaces
{
    /// <summary>Applies the replacements in Hugging Face's order (the order matters: " ' " goes before " 's").</summary>
    public static string CleanUp(string text) => text
        .Replace(" .", ".", StringComparison.Ordinal)
        .Replace(" ?", "?", StringComparison.Ordinal)
        .Replace(" !", "!", StringComparison.Ordinal)
        .Replace(" ,", ",", StringComparison.Ordinal)
        .Replace(" ' ", "'", StringComparison.Ordinal)
        .Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal)
        .Replace(" 's", "'s", StringComparison.Ordinal)
        .Replace(" 've", "'ve", StringComparison.Ordinal)
        .Replace(" 're", "'re", StringComparison.Ordinal);
}
