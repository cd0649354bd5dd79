using Gpt2Kit.Models;

namespace Gpt2Kit.Hub;

/// <summary>Turns a <c>--model</c> value into a local model folder: an existing folder as is; otherwise a Hugging Face model
/// name (<c>gpt2</c>, <c>org/name</c>, <c>name@revision</c>) looked up in the Hugging Face cache that Python's tools share
/// (<c>HF_HUB_CACHE</c>, else <c>HF_HOME/hub</c>, else <c>~/.cache/huggingface/hub</c>) and downloaded into it when missing.</summary>
/// <remarks>
/// <para>Thread-safe: the settings are copied at construction and nothing else is kept. Concurrent downloads of one file,
/// from threads or processes, are serialized by a lock file under <c>.locks/</c>.</para>
/// <para>A download fetches <c>config.json</c>, <c>generation_config.json</c> (optional), <c>vocab.json</c>, <c>merges.txt</c>
/// and <c>model.safetensors</c> (or <c>model.safetensors.index.json</c> and its shards) from
/// <c>{endpoint}/{repo}/resolve/{revision}/{file}</c>. Each blob is written fully under <c>blobs/{etag}.incomplete</c> (resumed with
/// a <c>Range</c> request after a dropped connection), LFS files are checked against their sha256, and only when every file is
/// in place are the snapshot links and <c>refs/{revision}</c> written, so a failed download never leaves a snapshot that looks
/// complete.</para>
/// <para>A revision whose snapshot is complete in the cache is used without any request (a branch is not checked for newer
/// commits; <see cref="DownloadAsync"/> does that).</para>
/// <para>As the host's <see cref="IModelResolver"/> (<c>AddHuggingFaceHub()</c>, which <c>AddGpt2Backend()</c> calls), it
/// makes <c>Gpt2Kit:Model</c> take the same values as <c>--model</c>.</para>
/// </remarks>
public sealed class HuggingFaceModelResolver : IModelResolver
{
    private readonly HubHttpClient _http;

    /// <summary>Creates a resolver.</summary>
    /// <param name="options">Cache, endpoint and offline mode; null reads them from the environment
    /// (<see cref="HuggingFaceHubOptions.FromEnvironment"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="HuggingFaceHubOptions.MaxAttempts"/> is below 1.</exception>
    public HuggingFaceModelResolver(HuggingFaceHubOptions? options = null)
    {
        options ??= HuggingFaceHubOptions.FromEnvironment();
        if (options.MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxAttempts, $"MaxAttempts: '{options.MaxAttempts}' is not allowed; expected an integer >= 1.");
        }

        ArgumentNullException.ThrowIfNull(options.Endpoint);
        CacheDirectory = options.GetEffectiveCacheDirectory();
        Endpoint = HuggingFaceHubOptions.ParseEndpoint(options.Endpoint.OriginalString, "Endpoint");
        IsOffline = options.Offline;
        _http = new HubHttpClient(Endpoint, options.Token, options.MaxAttempts);
    }

    /// <summary>The cache folder in use.</summary>
    public string CacheDirectory { get; }

    /// <summary>The hub server in use.</summary>
    public Uri Endpoint { get; }

    /// <summary>Whether the network is off limits.</summary>
    public bool IsOffline { get; }

    /// <summary>Resolves a folder path or a hub name: <see cref="DemoModel.Name"/> to the demo checkpoint, a folder as is, then
    /// the cache, then a download.</summary>
    /// <param name="model"><c>demo</c>, a folder, or <c>name</c>, <c>org/name</c>, optionally followed by <c>@revision</c>.</param>
    /// <param name="progress">Receives download progress per file.</param>
    /// <param name="cancellationToken">Stops a download; the partial file is kept and resumed next time.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="model"/> is neither a folder nor a model name, or it is
    /// <c>demo</c> and the demo checkpoint is not found.</exception>
    /// <exception cref="HuggingFaceHubException">The model is not cached and cannot be downloaded (offline, not found, network,
    /// corrupt data); the message says why and what to pass instead.</exception>
    public async Task<ResolvedModel> ResolveAsync(string model, IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (DemoModel.IsName(model))
        {
            return new ResolvedModel(DemoModel.Find(), DemoModel.Name, ModelSource.Folder);
        }

        string expanded = HuggingFaceHubOptions.ExpandHome(model);
        if (Directory.Exists(expanded))
        {
            return new ResolvedModel(Path.GetFullPath(expanded), model, ModelSource.Folder);
        }

        if (File.Exists(expanded))
        {
            throw new DirectoryNotFoundException($"'{model}' is a file; a model is a folder (holding config.json and model.safetensors) or a Hugging Face model name.");
        }

        if (LooksLikePath(model) || !HubModelReference.TryParse(model, out var reference))
        {
            throw new DirectoryNotFoundException(
                $"'{model}' is neither an existing folder ({Path.GetFullPath(expanded)}) nor a Hugging Face model name (name, org/name or org/name@revision).");
        }

        return TryGetCached(reference) ?? await DownloadAsync(reference, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Resolves like <see cref="ResolveAsync(string, IProgress{HubDownloadProgress}, CancellationToken)"/>, without
    /// progress, and gives the folder.</summary>
    async Task<string> IModelResolver.ResolveAsync(string location, CancellationToken cancellationToken) =>
        (await ResolveAsync(location, progress: null, cancellationToken).ConfigureAwait(false)).Path;

    /// <summary>The cached snapshot of <paramref name="reference"/> when it is complete; null otherwise. Makes no request.</summary>
    public ResolvedModel? TryGetCached(HubModelReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var layout = new HubCacheLayout(CacheDirectory, reference);
        return layout.FindCompleteSnapshot() is { } folder
            ? new ResolvedModel(folder, reference.ToString(), ModelSource.Cache, Path.GetFileName(folder))
            : null;
    }

    /// <summary>Asks the hub which commit the revision is now and makes its snapshot complete in the cache, downloading only
    /// the blobs the cache does not have.</summary>
    /// <exception cref="HuggingFaceHubException">Offline, not found, a network failure after the retries, or corrupt data.</exception>
    public async Task<ResolvedModel> DownloadAsync(HubModelReference reference, IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (IsOffline)
        {
            throw new HuggingFaceHubException(
                $"'{reference}' is not in the Hugging Face cache ({CacheDirectory}) and HF_HUB_OFFLINE=1 forbids downloading it. " +
                "Pass a model folder (--model path/to/folder), point HF_HUB_CACHE or HF_HOME at a cache that holds it, " +
                $"or download it first where there is network access (gpt2kit download {reference}); {DemoModel.Suggestion}.");
        }

        var layout = new HubCacheLayout(CacheDirectory, reference);
        var session = new DownloadSession(this, layout, progress, cancellationToken);

        await session.FetchAsync(HubCacheLayout.ConfigFile, required: true).ConfigureAwait(false);
        await session.FetchAsync(HubCacheLayout.GenerationConfigFile, required: false).ConfigureAwait(false);
        foreach (string file in HubCacheLayout.RequiredFiles.Skip(1))
        {
            await session.FetchAsync(file, required: true).ConfigureAwait(false);
        }

        if (await session.FetchAsync(HubCacheLayout.WeightsFile, required: false).ConfigureAwait(false) is null)
        {
            string indexEtag = await session.FetchAsync(HubCacheLayout.WeightsIndexFile, required: false).ConfigureAwait(false)
                ?? throw new HuggingFaceHubException(
                    $"{reference}: the repository has neither {HubCacheLayout.WeightsFile} nor {HubCacheLayout.WeightsIndexFile}; " +
                    "Gpt2Kit reads safetensors weights only.", HubCacheLayout.WeightsFile);
            IReadOnlyList<string> shards;
            try
            {
                shards = HubCacheLayout.ReadShardNames(HubCacheLayout.ReadIndex(layout.BlobPath(indexEtag)), HubCacheLayout.WeightsIndexFile);
            }
            catch (InvalidDataException e)
            {
                throw new HuggingFaceHubException($"{reference}: {e.Message}", HubCacheLayout.WeightsIndexFile, e);
            }

            foreach (string shard in shards)
            {
                await session.FetchAsync(shard, required: true).ConfigureAwait(false);
            }
        }

        string commit = session.Publish();
        return new ResolvedModel(layout.SnapshotFolder(commit), reference.ToString(), ModelSource.Download, commit);
    }

    // Fetches blobs first and links the snapshot last, so a failure midway leaves blobs (reusable) but no snapshot.
    private sealed class DownloadSession(HuggingFaceModelResolver owner, HubCacheLayout layout, IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        private readonly List<(string File, string Etag)> _found = [];
        private readonly List<string> _missing = [];
        private string? _commit;

        /// <summary>Downloads one file's blob; returns its etag, or null when the repository lacks an optional file.</summary>
        public async Task<string?> FetchAsync(string file, bool required)
        {
            // After the first answer every request names the commit, so all files come from one snapshot even if the branch moves.
            string revision = _commit ?? layout.Reference.Revision;
            var metadata = await owner._http.GetMetadataAsync(layout.Reference, revision, file, cancellationToken).ConfigureAwait(false);
            if (metadata is null)
            {
                if (required)
                {
                    throw new HuggingFaceHubException($"{layout.Reference}: the repository has no {file} at revision {revision}; it is not a GPT-2 checkpoint Gpt2Kit can load.", file);
                }

                _missing.Add(file);
                return null;
            }

            _commit ??= metadata.Commit;
            await owner._http.FetchBlobAsync(layout, file, metadata, progress, cancellationToken).ConfigureAwait(false);
            _found.Add((file, metadata.Etag));
            return metadata.Etag;
        }

        public string Publish()
        {
            string commit = _commit ?? throw new InvalidOperationException("Nothing was downloaded.");
            foreach (var (file, etag) in _found)
            {
                layout.LinkSnapshotFile(commit, file, etag);
            }

            foreach (string file in _missing)
            {
                layout.MarkMissing(commit, file);
            }

            layout.WriteRef(commit);
            return commit;
        }
    }

    // Paths that cannot be hub names: relative or absolute file-system spellings.
    private static bool LooksLikePath(string value) =>
        value.StartsWith('.') || value.StartsWith('/') || value.StartsWith('~') || value.Contains('\\')
        || (value.Length > 1 && value[1] == ':')
        || value.Split('@')[0].Count(c => c == '/') > 1;
}
