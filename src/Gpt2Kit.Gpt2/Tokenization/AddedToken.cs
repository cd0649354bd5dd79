namespace Gpt2Kit.Gpt2.Tokenization;

/// <summary>A token matched as a whole in the text before pre-tokenization (Hugging Face <c>added_tokens</c>),
/// such as <c>&lt;|endoftext|&gt;</c>.</summary>
/// <param name="Content">The text that stands for the token.</param>
/// <param name="Id">Its id.</param>
/// <param name="Special">Special tokens are left out by <c>skipSpecialTokens</c> and only matched when special tokens are allowed.</param>
/// <param name="LeftStrip">Also swallows white space on its left (Hugging Face <c>lstrip</c>).</param>
/// <param name="RightStrip">Also swallows white space on its right (Hugging Face <c>rstrip</c>).</param>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed record AddedToken(string Content, int Id, bool Special, bool LeftStrip = false, bool RightStrip = false)
{
    /// <summary>GPT-2's end-of-text marker.</summary>
    public const string EndOfText = "<|endoftext|>";
}
