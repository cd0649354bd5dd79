using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Gpt2Kit.Hub;

/// <summary>The hub's file protocol: metadata from <c>HEAD {endpoint}/{repo}/resolve/{revision}/{file}</c> (following only
/// same-server relative redirects, as <c>huggingface_hub</c> does, so the LFS headers come from the hub and not from the
/// storage server), then the bytes into <c>blobs/{etag}.incomplete</c>, resumed with <c>Range</c>, verified, and renamed.</summary>
/// <remarks>Thread-safe: no mutable state; concurrent writers of one blob are serialized by a lock file.</remarks>
internal sealed partial class HubHttpClient
{
    private const int MaxRedirects = 10;
    private const long ProgressStep = 1 << 20;

    // One pooled client for the process; redirects are followed by hand so that hub headers and tokens are handled per hop.
    private static readonly HttpClient SharedClient = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
        DefaultRequestHeaders = { UserAgent = { new ProductInfoHeaderValue("gpt2kit", "0.1") } },
    };

    private readonly Uri _endpoint;
    private readonly string? _token;
    private readonly int _maxAttempts;

    public HubHttpClient(Uri endpoint, string? token, int maxAttempts)
    {
        _endpoint = endpoint;
        _token = token;
        _maxAttempts = maxAttempts;
    }

    /// <summary>Asks the hub about a file. Returns null when the revision has no such file.</summary>
    public async Task<HubFileMetadata?> GetMetadataAsync(HubModelReference reference, string revision, string file, CancellationToken cancellationToken)
    {
        Uri uri = ResolveUri(reference.RepoId, revision, file);
        for (int hop = 0; hop <= MaxRedirects; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, uri);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            AddToken(request, uri);
            using var response = await SendAsync(request, reference, cancellationToken).ConfigureAwait(false);
            int status = (int)response.StatusCode;

            if (status is >= 300 and < 400 && RawHeader(response, "Location") is { } location)
            {
                if (IsRelative(location))
                {
                    uri = new Uri(uri, location); // a renamed repository (gpt2 → openai-community/gpt2): ask the new name
                    continue;
                }

                return ReadMetadata(response, reference, file, new Uri(location));
            }

            if (response.IsSuccessStatusCode)
            {
                return ReadMetadata(response, reference, file, uri);
            }

            string? errorCode = RawHeader(response, "X-Error-Code");
            if (status == 404 && errorCode is null or "EntryNotFound")
            {
                return null;
            }

            throw new HuggingFaceHubException(DescribeFailure(reference, revision, file, status, errorCode), file);
        }

        throw new HuggingFaceHubException($"{reference}: {file}: more than {MaxRedirects} redirects from {_endpoint}.", file);
    }

    /// <summary>Makes sure <c>blobs/{etag}</c> holds the file: downloads it unless present, resuming a partial download.</summary>
    public async Task FetchBlobAsync(HubCacheLayout layout, string file, HubFileMetadata metadata, IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        string blob = layout.BlobPath(metadata.Etag);
        if (File.Exists(blob))
        {
            long length = new FileInfo(blob).Length;
            progress?.Report(new HubDownloadProgress(file, length, length, IsComplete: true));
            return;
        }

        Directory.CreateDirectory(layout.BlobsFolder);
        string lockPath = layout.LockPath(metadata.Etag);
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        await using var fileLock = await AcquireLockAsync(lockPath, cancellationToken).ConfigureAwait(false);
        if (File.Exists(blob))
        {
            // Another process finished it while we waited for the lock.
            long length = new FileInfo(blob).Length;
            progress?.Report(new HubDownloadProgress(file, length, length, IsComplete: true));
            return;
        }

        string incomplete = blob + ".incomplete";
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await DownloadOnceAsync(incomplete, file, metadata, progress, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (e is HttpRequestException or IOException && e is not HuggingFaceHubException && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= _maxAttempts)
                {
                    long kept = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
                    throw new HuggingFaceHubException(
                        $"{layout.Reference}: {file}: the download failed after {attempt} attempt(s) ({e.Message}); " +
                        $"{kept} bytes are kept in {incomplete} and the next run resumes from there.", file, e);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }

        Verify(incomplete, layout.Reference, file, metadata);
        File.Move(incomplete, blob, overwrite: true);
        long size = new FileInfo(blob).Length;
        progress?.Report(new HubDownloadProgress(file, size, size, IsComplete: true));
    }

    private async Task DownloadOnceAsync(string incomplete, string file, HubFileMetadata metadata, IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        long existing = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (metadata.Size is long announced && existing > announced)
        {
            File.Delete(incomplete); // longer than the file can be: not a prefix of it
            existing = 0;
        }

        if (metadata.Size is long size && existing == size && size > 0)
        {
            return; // every byte is there; only the verification is left
        }

        Uri uri = metadata.DownloadUri;
        for (int hop = 0; hop <= MaxRedirects; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (existing > 0)
            {
                request.Headers.Range = new RangeHeaderValue(existing, null);
            }

            AddToken(request, uri);
            using var response = await SharedClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (status is >= 300 and < 400 && RawHeader(response, "Location") is { } location)
            {
                uri = new Uri(uri, location);
                continue;
            }

            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                File.Delete(incomplete);
                existing = 0;
                continue;
            }

            if (status >= 500)
            {
                throw new HttpRequestException($"{uri.GetLeftPart(UriPartial.Path)} answered {status} {response.ReasonPhrase}.");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new HuggingFaceHubException($"{file}: {uri.GetLeftPart(UriPartial.Path)} answered {status} {response.ReasonPhrase}.", file);
            }

            bool append = existing > 0
                && response.StatusCode == HttpStatusCode.PartialContent
                && response.Content.Headers.ContentRange?.From == existing;
            long done = append ? existing : 0; // a server that ignores Range sends the whole file again
            long? total = metadata.Size ?? (append ? null : response.Content.Headers.ContentLength);

            await using var output = new FileStream(incomplete, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            progress?.Report(new HubDownloadProgress(file, done, total, IsComplete: false));
            byte[] buffer = new byte[1 << 16];
            long reported = done;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                done += read;
                if (done - reported >= ProgressStep)
                {
                    progress?.Report(new HubDownloadProgress(file, done, total, IsComplete: false));
                    reported = done;
                }
            }

            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (metadata.Size is long expected && done < expected)
            {
                throw new IOException($"the connection ended after {done} of {expected} bytes");
            }

            return;
        }

        throw new HuggingFaceHubException($"{file}: more than {MaxRedirects} redirects from {metadata.DownloadUri.Host}.", file);
    }

    // A corrupt blob must never reach blobs/ or a snapshot: delete it and name the file.
    private static void Verify(string incomplete, HubModelReference reference, string file, HubFileMetadata metadata)
    {
        long length = new FileInfo(incomplete).Length;
        if (metadata.Size is long size && length != size)
        {
            File.Delete(incomplete);
            throw new HuggingFaceHubException($"{reference}: {file}: received {length} bytes; the hub announced {size}. The download was deleted; run again.", file);
        }

        if (metadata.IsLfs && Sha256Pattern().IsMatch(metadata.Etag))
        {
            string actual;
            using (var stream = File.OpenRead(incomplete))
            {
                actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            }

            if (actual != metadata.Etag)
            {
                File.Delete(incomplete);
                throw new HuggingFaceHubException(
                    $"{reference}: {file}: the downloaded bytes have sha256 {actual}, but the hub says {metadata.Etag}. " +
                    "The corrupt download was deleted; run again.", file);
            }
        }
    }

    private HubFileMetadata ReadMetadata(HttpResponseMessage response, HubModelReference reference, string file, Uri downloadUri)
    {
        string? linkedEtag = NormalizeEtag(RawHeader(response, "X-Linked-Etag"));
        string? etag = linkedEtag ?? NormalizeEtag(RawHeader(response, "ETag"));
        string? commit = RawHeader(response, "X-Repo-Commit")?.Trim() ?? (reference.IsCommitHash ? reference.Revision : null);
        if (etag is null || commit is null)
        {
            throw new HuggingFaceHubException(
                $"{reference}: {file}: {_endpoint} sent no {(etag is null ? "ETag" : "X-Repo-Commit")} header; HF_ENDPOINT must be a Hugging Face hub or a mirror of one.", file);
        }

        if (!SafeNamePattern().IsMatch(etag) || !SafeNamePattern().IsMatch(commit))
        {
            throw new HuggingFaceHubException($"{reference}: {file}: the hub sent an unusable ETag '{etag}' or commit '{commit}'.", file);
        }

        long? size = long.TryParse(RawHeader(response, "X-Linked-Size"), out long linkedSize) ? linkedSize
            : response.IsSuccessStatusCode ? response.Content.Headers.ContentLength
            : null;
        return new HubFileMetadata(commit, etag, size, downloadUri, IsLfs: linkedEtag is not null);
    }

    private string DescribeFailure(HubModelReference reference, string revision, string file, int status, string? errorCode) => errorCode switch
    {
        "RepoNotFound" => $"'{reference.RepoId}' was not found on {_endpoint} (a private or gated repository needs HF_TOKEN); " +
                          $"if you meant a local folder, no folder '{reference.RepoId}' exists.",
        "RevisionNotFound" => $"{reference.RepoId} has no revision '{revision}' on {_endpoint}.",
        "GatedRepo" => $"{reference.RepoId} is gated on {_endpoint}: accept its terms on the website and set HF_TOKEN.",
        _ when status is 401 or 403 => $"{reference.RepoId}: {file}: {_endpoint} refused access ({status}); set HF_TOKEN for private or gated repositories.",
        _ => $"{reference.RepoId}: {file}: {_endpoint} answered {status}{(errorCode is null ? "" : $" ({errorCode})")}.",
    };

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HubModelReference reference, CancellationToken cancellationToken)
    {
        try
        {
            return await SharedClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new HuggingFaceHubException(
                $"{reference}: cannot reach {_endpoint} ({e.Message}). Pass a model folder instead, or download the model where there is " +
                $"network access; HF_HUB_OFFLINE=1 uses only the local cache; {DemoModel.Suggestion}.", inner: e);
        }
    }

    private Uri ResolveUri(string repoId, string revision, string file)
    {
        string root = _endpoint.AbsoluteUri.TrimEnd('/');
        string repo = string.Join('/', repoId.Split('/').Select(Uri.EscapeDataString));
        string path = string.Join('/', file.Split('/').Select(Uri.EscapeDataString));
        return new Uri($"{root}/{repo}/resolve/{Uri.EscapeDataString(revision)}/{path}");
    }

    // The token is for the hub only; storage servers get signed URLs and must not see it.
    private void AddToken(HttpRequestMessage request, Uri uri)
    {
        if (_token is not null && Uri.Compare(uri, _endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                // FileShare.None takes an advisory lock (flock on Unix), which Python's filelock also honours.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (File.Exists(path))
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // Read raw: typed parsing turns "/path" into a file:// URI on Unix and rejects some ETags.
    private static string? RawHeader(HttpResponseMessage response, string name) =>
        response.Headers.NonValidated.TryGetValues(name, out var values) || response.Content.Headers.NonValidated.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;

    private static bool IsRelative(string location) => !location.Contains("://", StringComparison.Ordinal);

    private static string? NormalizeEtag(string? etag)
    {
        if (string.IsNullOrWhiteSpace(etag))
        {
            return null;
        }

        etag = etag.Trim();
        if (etag.StartsWith("W/", StringComparison.Ordinal))
        {
            etag = etag[2..];
        }

        return etag.Trim('"');
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex SafeNamePattern();
}
