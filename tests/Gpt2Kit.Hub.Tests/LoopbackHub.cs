using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Gpt2Kit.Hub.Tests;

/// <summary>A stand-in for huggingface.co on 127.0.0.1: <c>/{repo}/resolve/{revision}/{file}</c> answers like the hub
/// (ETag, X-Repo-Commit; LFS files redirect to <c>/cdn/{sha256}</c> with X-Linked-Etag / X-Linked-Size; error codes in
/// X-Error-Code; renamed repositories redirect relatively), and <c>/cdn/</c> serves bytes with Range support.
/// Faults can be switched on: dropping the connection mid-file, or serving wrong bytes.</summary>
internal sealed class LoopbackHub : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Dictionary<string, Repo> _repos = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _renames = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _lfsObjects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _lfsNames = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _drops = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public LoopbackHub()
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                Endpoint = new Uri($"http://127.0.0.1:{port}");
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }

        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri Endpoint { get; }

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Serve LFS files with one byte flipped (their sha256 no longer matches X-Linked-Etag).</summary>
    public bool CorruptLfs { get => Volatile.Read(ref _corruptLfs); set => Volatile.Write(ref _corruptLfs, value); }

    private bool _corruptLfs;

    /// <summary>After this many bytes of a dropped response the connection is cut.</summary>
    public long DropAfterBytes { get; set; } = 4 << 20;

    /// <summary>Adds (or extends) a repository with a revision name pointing at a commit holding <paramref name="files"/>.</summary>
    public void AddRepo(string repoId, string revision, string commit, IReadOnlyDictionary<string, byte[]> files)
    {
        lock (_repos)
        {
            if (!_repos.TryGetValue(repoId, out var repo))
            {
                _repos[repoId] = repo = new Repo();
            }

            repo.Revisions[revision] = commit;
            repo.Commits[commit] = new Dictionary<string, byte[]>(files, StringComparer.Ordinal);
        }

        foreach (var (name, content) in files)
        {
            if (IsLfs(name))
            {
                string sha = Sha256(content);
                _lfsObjects[sha] = content;
                _lfsNames[sha] = name;
            }
        }
    }

    /// <summary>Makes <paramref name="oldId"/> redirect to <paramref name="newId"/> (like gpt2 → openai-community/gpt2).</summary>
    public void AddRename(string oldId, string newId)
    {
        lock (_repos)
        {
            _renames[oldId] = newId;
        }
    }

    /// <summary>Cuts the connection of the next <paramref name="times"/> downloads of <paramref name="file"/> after <see cref="DropAfterBytes"/>.</summary>
    public void DropConnection(string file, int times) => _drops[file] = times;

    public IEnumerable<RecordedRequest> Gets(string file) => Requests.Where(r => r.Method == "GET" && r.File == file);

    public static bool IsLfs(string file) => file.EndsWith(".safetensors", StringComparison.Ordinal);

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>The object id git gives a blob, which the hub sends as the ETag of regular files.</summary>
    public static string GitBlobId(byte[] content)
    {
        byte[] header = Encoding.ASCII.GetBytes($"blob {content.Length}\0");
        return Convert.ToHexStringLower(SHA1.HashData([.. header, .. content]));
    }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        string[] segments = request.RawUrl!.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        try
        {
            if (segments.Length == 2 && segments[0] == "cdn")
            {
                Requests.Enqueue(new RecordedRequest(request.HttpMethod, request.RawUrl!, null, null, FileForSha(segments[1]), request.Headers["Range"], request.Headers["Authorization"]));
                await ServeLfsAsync(segments[1], request, response);
                return;
            }

            int resolve = Array.IndexOf(segments, "resolve");
            if (resolve is < 1 or > 2 || segments.Length < resolve + 3)
            {
                Requests.Enqueue(new RecordedRequest(request.HttpMethod, request.RawUrl!, null, null, null, null, null));
                response.StatusCode = 400;
                response.Close();
                return;
            }

            string repoId = string.Join('/', segments[..resolve]);
            string revision = segments[resolve + 1];
            string file = string.Join('/', segments[(resolve + 2)..]);
            Requests.Enqueue(new RecordedRequest(request.HttpMethod, request.RawUrl!, repoId, revision, file, request.Headers["Range"], request.Headers["Authorization"]));
            await ServeResolveAsync(repoId, revision, file, request, response);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away; nothing to answer.
        }
    }

    private async Task ServeResolveAsync(string repoId, string revision, string file, HttpListenerRequest request, HttpListenerResponse response)
    {
        Repo? repo;
        string? renamed;
        lock (_repos)
        {
            _renames.TryGetValue(repoId, out renamed);
            _repos.TryGetValue(repoId, out repo);
        }

        if (renamed is not null)
        {
            response.StatusCode = 307;
            response.Headers["Location"] = $"/{renamed}/resolve/{Uri.EscapeDataString(revision)}/{file}";
            response.Close();
            return;
        }

        if (repo is null)
        {
            Fail(response, 404, "RepoNotFound");
            return;
        }

        string? commit = repo.Revisions.TryGetValue(revision, out var c) ? c : repo.Commits.ContainsKey(revision) ? revision : null;
        if (commit is null)
        {
            Fail(response, 404, "RevisionNotFound");
            return;
        }

        if (!repo.Commits[commit].TryGetValue(file, out var content))
        {
            Fail(response, 404, "EntryNotFound");
            return;
        }

        response.Headers["X-Repo-Commit"] = commit;
        if (IsLfs(file))
        {
            string sha = Sha256(content);
            response.StatusCode = 302;
            response.Headers["Location"] = $"{Endpoint.AbsoluteUri.TrimEnd('/')}/cdn/{sha}";
            response.Headers["X-Linked-Etag"] = $"\"{sha}\"";
            response.Headers["X-Linked-Size"] = content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers["ETag"] = $"\"{GitBlobId(Encoding.ASCII.GetBytes($"oid sha256:{sha}"))}\"";
            response.Close();
            return;
        }

        response.StatusCode = 200;
        response.Headers["ETag"] = $"\"{GitBlobId(content)}\"";
        response.ContentLength64 = content.Length;
        if (request.HttpMethod == "GET")
        {
            await response.OutputStream.WriteAsync(content);
        }

        response.Close();
    }

    private async Task ServeLfsAsync(string sha, HttpListenerRequest request, HttpListenerResponse response)
    {
        if (!_lfsObjects.TryGetValue(sha, out var content))
        {
            response.StatusCode = 404;
            response.Close();
            return;
        }

        if (CorruptLfs)
        {
            content = (byte[])content.Clone();
            content[content.Length / 2] ^= 0xFF;
        }

        long start = 0;
        if (request.Headers["Range"] is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (start >= content.Length)
            {
                response.StatusCode = 416;
                response.Close();
                return;
            }

            response.StatusCode = 206;
            response.Headers["Content-Range"] = $"bytes {start}-{content.Length - 1}/{content.Length}";
        }

        response.ContentLength64 = content.Length - start;
        if (request.HttpMethod != "GET")
        {
            response.Close();
            return;
        }

        string file = FileForSha(sha) ?? sha;
        bool drop = _drops.TryGetValue(file, out int left) && left > 0 && _drops.TryUpdate(file, left - 1, left);
        if (drop)
        {
            int count = (int)Math.Max(1, Math.Min(DropAfterBytes - start, content.Length - start - 1));
            await response.OutputStream.WriteAsync(content.AsMemory((int)start, count));
            await response.OutputStream.FlushAsync();
            response.Abort();
            return;
        }

        await response.OutputStream.WriteAsync(content.AsMemory((int)start));
        response.Close();
    }

    private string? FileForSha(string sha) => _lfsNames.TryGetValue(sha, out var name) ? name : null;

    private static void Fail(HttpListenerResponse response, int status, string code)
    {
        response.StatusCode = status;
        response.Headers["X-Error-Code"] = code;
        response.Close();
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private sealed class Repo
    {
        public Dictionary<string, string> Revisions { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, Dictionary<string, byte[]>> Commits { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>One request the loopback hub received.</summary>
internal sealed record RecordedRequest(string Method, string RawUrl, string? RepoId, string? Revision, string? File, string? Range, string? Authorization);
