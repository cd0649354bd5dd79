namespace Gpt2Kit.Hub;

/// <summary>The one place that turns a <c>--model</c> value (or a configured <c>Model</c>) into a local folder:
/// <c>demo</c> to the repository's demo checkpoint (<see cref="DemoModel"/>), an existing folder as is, else a Hugging Face
/// model name resolved through the cache or downloaded (see <see cref="HuggingFaceModelResolver"/>). Without a value the
/// model is <see cref="DefaultModel"/>.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public static class ModelLocation
{
    /// <summary>The model used when none is given: GPT-2 124M from the hub (cache folder <c>models--gpt2</c>).</summary>
    public const string DefaultModel = "gpt2";

    /// <summary>Resolves <paramref name="value"/> to a model folder, blocking while a download runs.</summary>
    /// <param name="value"><c>demo</c>, a folder, a hub name (<c>gpt2</c>, <c>org/name@revision</c>), or null/empty for <see cref="DefaultModel"/>.</param>
    /// <param name="options">Cache, endpoint, offline mode; null reads <c>HF_*</c> environment variables.</param>
    /// <param name="progress">Receives download progress per file.</param>
    /// <param name="cancellationToken">Stops a download (the partial file is resumed next time).</param>
    /// <returns>The absolute path of the folder to load.</returns>
    /// <exception cref="DirectoryNotFoundException">Neither a folder nor a model name.</exception>
    /// <exception cref="HuggingFaceHubException">Not cached and not downloadable; the message says what to pass instead.</exception>
    public static string Resolve(string? value, HuggingFaceHubOptions? options = null, IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ResolveAsync(value, options, progress, cancellationToken).GetAwaiter().GetResult().Path;

    /// <summary>Resolves <paramref name="value"/> like <see cref="Resolve"/> and says where the folder came from.</summary>
    public static Task<ResolvedModel> ResolveAsync(string? value, HuggingFaceHubOptions? options = null, IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        new HuggingFaceModelResolver(options).ResolveAsync(string.IsNullOrWhiteSpace(value) ? DefaultModel : value, progress, cancellationToken);
}
