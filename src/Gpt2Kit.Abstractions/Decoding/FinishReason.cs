namespace Gpt2Kit.Decoding;

/// <summary>Why a row stopped.</summary>
public enum FinishReason
{
    /// <summary>Still running (only seen in streamed updates).</summary>
    None,

    /// <summary>It reached <c>max_length</c> / <c>max_new_tokens</c>.</summary>
    Length,

    /// <summary>It produced an end-of-sequence id.</summary>
    EndOfSequence,

    /// <summary>Its text contains a stop string.</summary>
    StopString,

    /// <summary>The request was cancelled.</summary>
    Cancelled,

    /// <summary>The <c>max_time</c> budget ran out.</summary>
    Time,

    /// <summary>A custom stopping criterion fired.</summary>
    Custom,
}
