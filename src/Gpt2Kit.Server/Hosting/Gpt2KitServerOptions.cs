namespace Gpt2Kit.Server.Hosting;

/// <summary>Settings of <c>gpt2kit serve</c> (section <c>Gpt2Kit:Server</c> in configuration, or the command's options).</summary>
/// <remarks>Mutable; not thread-safe while being changed. Read once when the server is built.</remarks>
public sealed class Gpt2KitServerOptions
{
    /// <summary>The model folder (Hugging Face layout).</summary>
    public string Model { get; set; } = "";

    /// <summary>The name clients pass as <c>model</c>; null uses the folder's name.</summary>
    public string? ModelName { get; set; }

    /// <summary>The address to listen on. Default <c>127.0.0.1</c>; any other address needs an API key or
    /// <see cref="AllowRemoteWithoutApiKey"/>.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The port; 0 picks a free one (see the server's <c>Urls</c> after it started).</summary>
    public int Port { get; set; } = 8000;

    /// <summary>Bearer keys accepted on <c>/v1/*</c>; empty means no authentication (then loopback only unless allowed).</summary>
    public IList<string> ApiKeys { get; set; } = [];

    /// <summary>Lets a server without API keys listen on a non-loopback address.</summary>
    public bool AllowRemoteWithoutApiKey { get; set; }

    /// <summary>Plugin folders (one subfolder per plugin), loaded at start.</summary>
    public IList<string> PluginFolders { get; set; } = [];

    /// <summary>Reload the plugins when a file under a plugins folder changes (a new or rebuilt plugin).</summary>
    public bool WatchPlugins { get; set; }

    /// <summary>Threads of the forward pass; null uses every core.</summary>
    public int? Threads { get; set; }

    /// <summary>Requests generating at once.</summary>
    public int MaxRunningRequests { get; set; } = 64;

    /// <summary>Requests waiting for a slot; past it, 429 with <c>Retry-After</c>.</summary>
    public int MaxQueuedRequests { get; set; } = 256;

    /// <summary>The most rows (sequences) one batched decoding step computes.</summary>
    public int MaxBatchRows { get; set; } = 64;

    /// <summary>The largest request body in bytes; past it, 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1 << 20;

    /// <summary><c>max_new_tokens</c> of a request that sets no limit (OpenAI's completions default, 16).</summary>
    public int DefaultMaxTokens { get; set; } = 16;

    /// <summary>Whether decoding steps of concurrent requests are batched (on by default; off serves each request alone).</summary>
    public bool ContinuousBatching { get; set; } = true;

    /// <summary>How long shutdown waits for running requests to finish.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
