using System.Text;
using Gpt2Kit.Hub;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Hub.Tests;

public sealed class HuggingFaceModelResolverTests : IDisposable
{
    private const string Repo = "test-org/tiny";
    private readonly LoopbackHub _hub = new();
    private readonly TempFolder _cache = HubTestRepo.CreateCache();

    public HuggingFaceModelResolverTests() => _hub.AddRepo(Repo, "main", HubTestRepo.CommitA, HubTestRepo.Files);

    public void Dispose()
    {
        _hub.Dispose();
        _cache.Dispose();
    }

    private HuggingFaceModelResolver Resolver(bool offline = false, int maxAttempts = 3) => new(new HuggingFaceHubOptions
    {
        CacheDirectory = _cache.Path,
        Endpoint = _hub.Endpoint,
        Offline = offline,
        MaxAttempts = maxAttempts,
    });

    private string RepoFolder(string repoId = Repo) => Path.Combine(_cache.Path, "models--" + repoId.Replace("/", "--"));

    private static void ShouldHoldTheTinyCheckpoint(string folder)
    {
        foreach (var (name, content) in HubTestRepo.Files)
        {
            File.ReadAllBytes(Path.Combine(folder, name)).Should().Equal(content, $"{name} must be byte-identical to the fixture");
        }
    }

    [Fact]
    public async Task FreshDownload_LaysOutTheCacheLikeHuggingFaceHub_ThenTheSameCallMakesNoRequest()
    {
        var first = await Resolver().ResolveAsync(Repo);

        first.Source.Should().Be(ModelSource.Download);
        first.Commit.Should().Be(HubTestRepo.CommitA);
        first.Path.Should().Be(Path.Combine(RepoFolder(), "snapshots", HubTestRepo.CommitA));
        ShouldHoldTheTinyCheckpoint(first.Path);
        File.ReadAllText(Path.Combine(RepoFolder(), "refs", "main")).Should().Be(HubTestRepo.CommitA);

        string safetensorsSha = LoopbackHub.Sha256(HubTestRepo.Files["model.safetensors"]);
        new FileInfo(Path.Combine(first.Path, "model.safetensors")).LinkTarget.Should().Be(Path.Combine("..", "..", "blobs", safetensorsSha));
        new FileInfo(Path.Combine(first.Path, "config.json")).LinkTarget.Should().Be(
            Path.Combine("..", "..", "blobs", LoopbackHub.GitBlobId(HubTestRepo.Files["config.json"])));
        Directory.GetFiles(Path.Combine(RepoFolder(), "blobs"), "*.incomplete").Should().BeEmpty();
        _hub.Gets("model.safetensors").Should().ContainSingle(r => r.RawUrl.StartsWith("/cdn/"), "LFS bytes come from the CDN redirect");

        int requests = _hub.Requests.Count;
        var second = await Resolver().ResolveAsync(Repo);

        second.Source.Should().Be(ModelSource.Cache);
        second.Path.Should().Be(first.Path);
        _hub.Requests.Count.Should().Be(requests, "a complete cached snapshot is used without asking the hub");
    }

    [Fact]
    public async Task DownloadedSnapshot_LoadsWithTheGpt2Backend_ThroughItsLinks()
    {
        var model = await Resolver().ResolveAsync(Repo);

        using var loaded = Gpt2Kit.Gpt2.Gpt2Model.FromPretrained(model.Path);
        using var reference = Gpt2Kit.Gpt2.Gpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny"));
        loaded.Info.Should().BeEquivalentTo(reference.Info, o => o.Excluding(i => i.Name));
        loaded.ParameterCount.Should().Be(reference.ParameterCount);
    }

    [Fact]
    public async Task DroppedConnection_IsResumedWithARangeRequest_WithinTheSameCall()
    {
        _hub.DropAfterBytes = 3 << 20;
        _hub.DropConnection("model.safetensors", times: 1);

        var model = await Resolver().ResolveAsync(Repo);

        ShouldHoldTheTinyCheckpoint(model.Path);
        var gets = _hub.Gets("model.safetensors").Where(r => r.RawUrl.StartsWith("/cdn/")).ToList();
        gets.Should().HaveCount(2);
        gets[0].Range.Should().BeNull();
        gets[1].Range.Should().MatchRegex("^bytes=[1-9][0-9]*-$");
        long resumedAt = long.Parse(gets[1].Range!["bytes=".Length..^1]);
        resumedAt.Should().BeInRange(1, 3 << 20, "the second request asks only for what the first did not deliver");
    }

    [Fact]
    public async Task FailedDownload_KeepsThePartialBlob_AndTheNextCallResumesFromIt()
    {
        _hub.DropAfterBytes = 5 << 20;
        _hub.DropConnection("model.safetensors", times: 1);

        var failing = async () => await Resolver(maxAttempts: 1).ResolveAsync(Repo);

        (await failing.Should().ThrowAsync<HuggingFaceHubException>()).Which.Message.Should().Contain("model.safetensors");
        string sha = LoopbackHub.Sha256(HubTestRepo.Files["model.safetensors"]);
        string partial = Path.Combine(RepoFolder(), "blobs", sha + ".incomplete");
        File.Exists(partial).Should().BeTrue();
        long kept = new FileInfo(partial).Length;
        kept.Should().BeInRange(1, 5 << 20);
        Directory.Exists(Path.Combine(RepoFolder(), "snapshots")).Should().BeFalse("nothing is linked until every file is in");
        Resolver().TryGetCached(HubModelReference.Parse(Repo)).Should().BeNull();

        var model = await Resolver().ResolveAsync(Repo);

        ShouldHoldTheTinyCheckpoint(model.Path);
        _hub.Gets("model.safetensors").Last().Range.Should().Be($"bytes={kept}-");
    }

    [Fact]
    public async Task CorruptDownload_IsRejected_LeavesNoBlobAndNoSnapshot_AndALaterCallRecovers()
    {
        _hub.CorruptLfs = true;

        var act = async () => await Resolver().ResolveAsync(Repo);

        var error = (await act.Should().ThrowAsync<HuggingFaceHubException>()).Which;
        error.Message.Should().Contain("model.safetensors").And.Contain("sha256");
        error.FileName.Should().Be("model.safetensors");
        string sha = LoopbackHub.Sha256(HubTestRepo.Files["model.safetensors"]);
        File.Exists(Path.Combine(RepoFolder(), "blobs", sha)).Should().BeFalse();
        File.Exists(Path.Combine(RepoFolder(), "blobs", sha + ".incomplete")).Should().BeFalse();
        Directory.Exists(Path.Combine(RepoFolder(), "snapshots")).Should().BeFalse();
        File.Exists(Path.Combine(RepoFolder(), "refs", "main")).Should().BeFalse();

        _hub.CorruptLfs = false;
        int configGets = _hub.Gets("config.json").Count();
        var model = await Resolver().ResolveAsync(Repo);

        ShouldHoldTheTinyCheckpoint(model.Path);
        _hub.Gets("config.json").Count().Should().Be(configGets, "blobs verified earlier are reused");
    }

    [Fact]
    public async Task Offline_WithoutACachedCopy_FailsWithoutAnyRequest_AndSaysWhatToPassInstead()
    {
        var act = async () => await Resolver(offline: true).ResolveAsync(Repo);

        (await act.Should().ThrowAsync<HuggingFaceHubException>()).Which.Message
            .Should().Contain(Repo).And.Contain("HF_HUB_OFFLINE").And.Contain("folder").And.Contain(_cache.Path);
        _hub.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task CacheWrittenByPythonHuggingFaceHub_IsReused_OnlineAndOffline_WithoutRequests()
    {
        string snapshot = WritePythonStyleCache("openai-community/gpt2", "main", HubTestRepo.CommitB);

        var online = await Resolver().ResolveAsync("openai-community/gpt2");
        var offline = await Resolver(offline: true).ResolveAsync("openai-community/gpt2");

        online.Path.Should().Be(snapshot);
        online.Source.Should().Be(ModelSource.Cache);
        online.Commit.Should().Be(HubTestRepo.CommitB);
        offline.Path.Should().Be(snapshot);
        ShouldHoldTheTinyCheckpoint(online.Path);
        _hub.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task IncompletePythonCache_IsCompletedFromTheHub_ReusingItsBlobs()
    {
        string snapshot = WritePythonStyleCache(Repo, "main", HubTestRepo.CommitA, skip: "model.safetensors");

        var model = await Resolver().ResolveAsync(Repo);

        model.Path.Should().Be(snapshot);
        ShouldHoldTheTinyCheckpoint(model.Path);
        _hub.Requests.Where(r => r.Method == "GET").Select(r => r.File).Should().Equal("model.safetensors");
    }

    [Fact]
    public async Task SnapshotWhoseBlobWasDeleted_IsNotTakenFromTheCache_ButRepaired()
    {
        string snapshot = WritePythonStyleCache(Repo, "main", HubTestRepo.CommitA);
        File.Delete(Path.Combine(RepoFolder(), "blobs", LoopbackHub.Sha256(HubTestRepo.Files["model.safetensors"])));

        Resolver().TryGetCached(HubModelReference.Parse(Repo)).Should().BeNull("a link to a deleted blob is not a file");
        var model = await Resolver().ResolveAsync(Repo);

        model.Path.Should().Be(snapshot);
        ShouldHoldTheTinyCheckpoint(model.Path);
    }

    [Fact]
    public async Task NameAtRevision_UsesThatRevision_AndPinsTheRemainingFilesToItsCommit()
    {
        var v1 = HubTestRepo.FilesWith(f => f["config.json"] = Encoding.UTF8.GetBytes("{\"n_layer\": 2, \"rev\": \"v1\"}"));
        _hub.AddRepo(Repo, "v1", HubTestRepo.CommitB, v1);

        var model = await Resolver().ResolveAsync(Repo + "@v1");

        model.Path.Should().Be(Path.Combine(RepoFolder(), "snapshots", HubTestRepo.CommitB));
        model.Name.Should().Be(Repo + "@v1");
        File.ReadAllBytes(Path.Combine(model.Path, "config.json")).Should().Equal(v1["config.json"]);
        File.ReadAllText(Path.Combine(RepoFolder(), "refs", "v1")).Should().Be(HubTestRepo.CommitB);
        File.Exists(Path.Combine(RepoFolder(), "refs", "main")).Should().BeFalse();
        var revisions = _hub.Requests.Where(r => r.RepoId is not null).Select(r => r.Revision).Distinct().ToList();
        revisions.Should().Equal("v1", HubTestRepo.CommitB);
    }

    [Fact]
    public async Task CommitHashRevision_NeedsNoRef()
    {
        var model = await Resolver().ResolveAsync($"{Repo}@{HubTestRepo.CommitA}");

        model.Commit.Should().Be(HubTestRepo.CommitA);
        ShouldHoldTheTinyCheckpoint(model.Path);
        Directory.Exists(Path.Combine(RepoFolder(), "refs")).Should().BeFalse();
    }

    [Fact]
    public async Task RenamedRepository_IsFollowed_AndCachedUnderTheNameAsGiven()
    {
        _hub.AddRepo("openai-community/gpt2", "main", HubTestRepo.CommitB, HubTestRepo.Files);
        _hub.AddRename("gpt2", "openai-community/gpt2");

        var model = await Resolver().ResolveAsync("gpt2");

        model.Path.Should().Be(Path.Combine(RepoFolder("gpt2"), "snapshots", HubTestRepo.CommitB));
        ShouldHoldTheTinyCheckpoint(model.Path);
        Directory.Exists(RepoFolder("openai-community/gpt2")).Should().BeFalse();
    }

    [Fact]
    public async Task MissingGenerationConfig_IsOptional_AndRememberedInNoExist()
    {
        _hub.AddRepo("test-org/no-genconfig", "main", HubTestRepo.CommitA, HubTestRepo.FilesWith(f => f.Remove("generation_config.json")));

        var model = await Resolver().ResolveAsync("test-org/no-genconfig");

        File.Exists(Path.Combine(model.Path, "generation_config.json")).Should().BeFalse();
        File.Exists(Path.Combine(RepoFolder("test-org/no-genconfig"), ".no_exist", HubTestRepo.CommitA, "generation_config.json")).Should().BeTrue();
        File.Exists(Path.Combine(model.Path, "model.safetensors")).Should().BeTrue();
    }

    [Fact]
    public async Task ShardedWeights_AreFetchedThroughTheIndex()
    {
        byte[] shard1 = [1, 2, 3, 4], shard2 = [5, 6, 7];
        string index = """{"metadata": {"total_size": 7}, "weight_map": {"wte.weight": "model-00001-of-00002.safetensors", "wpe.weight": "model-00002-of-00002.safetensors", "ln_f.weight": "model-00002-of-00002.safetensors"}}""";
        _hub.AddRepo("test-org/sharded", "main", HubTestRepo.CommitA, HubTestRepo.FilesWith(f =>
        {
            f.Remove("model.safetensors");
            f["model.safetensors.index.json"] = Encoding.UTF8.GetBytes(index);
            f["model-00001-of-00002.safetensors"] = shard1;
            f["model-00002-of-00002.safetensors"] = shard2;
        }));

        var model = await Resolver().ResolveAsync("test-org/sharded");

        File.ReadAllBytes(Path.Combine(model.Path, "model-00001-of-00002.safetensors")).Should().Equal(shard1);
        File.ReadAllBytes(Path.Combine(model.Path, "model-00002-of-00002.safetensors")).Should().Equal(shard2);
        (await Resolver().ResolveAsync("test-org/sharded")).Source.Should().Be(ModelSource.Cache);
    }

    [Fact]
    public async Task ConcurrentDownloadsOfOneModel_BothSucceed_WithOneSnapshot()
    {
        var results = await Task.WhenAll(Resolver().ResolveAsync(Repo), Resolver().ResolveAsync(Repo));

        results[0].Path.Should().Be(results[1].Path);
        ShouldHoldTheTinyCheckpoint(results[0].Path);
        Directory.GetFiles(Path.Combine(RepoFolder(), "snapshots", HubTestRepo.CommitA)).Should().HaveCount(HubTestRepo.Files.Count);
    }

    [Fact]
    public async Task UnknownRepository_FailsNamingIt()
    {
        var act = async () => await Resolver().ResolveAsync("test-org/missing");

        (await act.Should().ThrowAsync<HuggingFaceHubException>()).Which.Message.Should().Contain("test-org/missing").And.Contain("not found");
    }

    [Fact]
    public async Task UnknownRevision_FailsNamingIt()
    {
        var act = async () => await Resolver().ResolveAsync(Repo + "@nope");

        (await act.Should().ThrowAsync<HuggingFaceHubException>()).Which.Message.Should().Contain("nope");
    }

    [Fact]
    public async Task ExistingFolder_IsUsedAsIs_WithoutRequests()
    {
        string folder = FixturePaths.Checkpoint("gpt2-tiny");

        var model = await Resolver().ResolveAsync(folder);

        model.Source.Should().Be(ModelSource.Folder);
        model.Path.Should().Be(Path.GetFullPath(folder));
        _hub.Requests.Should().BeEmpty();
    }

    [Theory]
    [InlineData("./no/such/folder")]
    [InlineData("models/gpt2/extra")]
    public async Task MissingFolderPath_FailsNamingIt_WithoutRequests(string value)
    {
        var act = async () => await Resolver().ResolveAsync(value);

        (await act.Should().ThrowAsync<DirectoryNotFoundException>()).Which.Message.Should().Contain(value);
        _hub.Requests.Should().BeEmpty();
    }

    [Fact]
    public void ModelLocation_DefaultsToGpt2_InTheConfiguredCache()
    {
        string snapshot = WritePythonStyleCache("gpt2", "main", HubTestRepo.CommitA);

        string path = ModelLocation.Resolve(null, new HuggingFaceHubOptions { CacheDirectory = _cache.Path, Endpoint = _hub.Endpoint, Offline = true });

        path.Should().Be(snapshot);
    }

    /// <summary>Lays out a repository the way Python's huggingface_hub does: blobs named by ETag, relative symlinks in
    /// snapshots/{commit}, the commit in refs/{revision}.</summary>
    private string WritePythonStyleCache(string repoId, string revision, string commit, string? skip = null)
    {
        string repo = RepoFolder(repoId);
        string blobs = Directory.CreateDirectory(Path.Combine(repo, "blobs")).FullName;
        string snapshot = Directory.CreateDirectory(Path.Combine(repo, "snapshots", commit)).FullName;
        foreach (var (name, content) in HubTestRepo.Files)
        {
            if (name == skip)
            {
                continue;
            }

            string etag = LoopbackHub.IsLfs(name) ? LoopbackHub.Sha256(content) : LoopbackHub.GitBlobId(content);
            File.WriteAllBytes(Path.Combine(blobs, etag), content);
            File.CreateSymbolicLink(Path.Combine(snapshot, name), $"../../blobs/{etag}");
        }

        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", revision), commit);
        return snapshot;
    }
}
