namespace Gpt2Kit.Hub;

/// <summary>Where the Hugging Face cache lives, which server to download from and whether the network may be used.
/// <see cref="FromEnvironment"/> reads the variables Python's <c>huggingface_hub</c> reads, so both share one cache.</summary>
/// <remarks>Mutable; not thread-safe while being changed. <see cref="HuggingFaceModelResolver"/> copies the values it needs
/// when it is created.</remarks>
public sealed class HuggingFaceHubOptions
{
    /// <summary>The public hub.</summary>
    public static readonly Uri DefaultEndpoint = new("https://huggingface.co");

    /// <summary>The cache folder (the one holding <c>models--org--name</c> folders). Null: <c>~/.cache/huggingface/hub</c>.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>The hub server (<c>HF_ENDPOINT</c>); files are fetched from <c>{Endpoint}/{repo}/resolve/{revision}/{file}</c>.</summary>
    public Uri Endpoint { get; set; } = DefaultEndpoint;

    /// <summary>Never use the network (<c>HF_HUB_OFFLINE=1</c>): only folders and models already in the cache resolve.</summary>
    public bool Offline { get; set; }

    /// <summary>An access token for private or gated repositories (<c>HF_TOKEN</c>); sent only to <see cref="Endpoint"/>,
    /// never to the storage servers it redirects to.</summary>
    public string? Token { get; set; }

    /// <summary>Attempts per file when the connection fails mid-download; each later attempt resumes where the last one
    /// stopped. At least 1; default 3.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Reads <c>HF_HUB_CACHE</c>, <c>HF_HOME</c> (default <c>$XDG_CACHE_HOME/huggingface</c>), <c>HF_ENDPOINT</c>,
    /// <c>HF_HUB_OFFLINE</c> and <c>HF_TOKEN</c>.</summary>
    /// <param name="getVariable">Reads one variable; null reads the process environment (tests pass a dictionary).</param>
    /// <exception cref="ArgumentException"><c>HF_ENDPOINT</c> is not an absolute http(s) URL.</exception>
    public static HuggingFaceHubOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var options = new HuggingFaceHubOptions { Token = NullIfEmpty(getVariable("HF_TOKEN")) };

        string? hubCache = NullIfEmpty(getVariable("HF_HUB_CACHE"));
        string? home = NullIfEmpty(getVariable("HF_HOME"));
        string? xdgCache = NullIfEmpty(getVariable("XDG_CACHE_HOME"));
        options.CacheDirectory = hubCache is not null ? ExpandHome(hubCache)
            : home is not null ? Path.Combine(ExpandHome(home), "hub")
            : xdgCache is not null ? Path.Combine(ExpandHome(xdgCache), "huggingface", "hub") // huggingface_hub's default HF_HOME
            : null;

        string? endpoint = NullIfEmpty(getVariable("HF_ENDPOINT"));
        if (endpoint is not null)
        {
            options.Endpoint = ParseEndpoint(endpoint, "HF_ENDPOINT");
        }

        options.Offline = IsTrue(getVariable("HF_HUB_OFFLINE"));
        return options;
    }

    /// <summary>The cache folder in effect: <see cref="CacheDirectory"/>, else <c>~/.cache/huggingface/hub</c>.</summary>
    public string GetEffectiveCacheDirectory() => Path.GetFullPath(
        CacheDirectory is { Length: > 0 } dir
            ? ExpandHome(dir)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface", "hub"));

    internal static Uri ParseEndpoint(string text, string name) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new ArgumentException($"{name}: '{text}' is not allowed; expected an absolute http or https URL such as https://huggingface.co.");

    // huggingface_hub's convention for boolean variables.
    private static bool IsTrue(string? value) =>
        value is not null && value.Trim().ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    internal static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "")
            : path;
}
