using Gpt2Kit.Testing;
using System.Text.Json;
using Gpt2Kit.Hub.Tests;

namespace Gpt2Kit.Cli.Tests;

public sealed class DownloadCommandTests : IDisposable
{
    private readonly LoopbackHub _hub = new();
    private readonly TempFolder _cache = new();

    public DownloadCommandTests() => _hub.AddRepo("test-org/tiny", "main", HubTestRepo.CommitA, HubTestRepo.Files);

    public void Dispose()
    {
        _hub.Dispose();
        _cache.Dispose();
    }

    private async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CliApp.RunAsync([.. args, "--cache-dir", _cache.Path, "--endpoint", _hub.Endpoint.AbsoluteUri], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Download_PutsTheModelInTheCache_AndPrintsItsFolder()
    {
        var (code, output, error) = await RunAsync("download", "test-org/tiny");

        code.Should().Be(0, error);
        string folder = output.Trim();
        folder.Should().Be(Path.Combine(_cache.Path, "models--test-org--tiny", "snapshots", HubTestRepo.CommitA));
        File.ReadAllBytes(Path.Combine(folder, "model.safetensors")).Should().Equal(HubTestRepo.Files["model.safetensors"]);
        error.Should().Contain("model.safetensors: ");
    }

    [Fact]
    public async Task Download_WithJson_PrintsExactlyOneObject()
    {
        var (code, output, error) = await RunAsync("download", "test-org/tiny", "--json");

        code.Should().Be(0, error);
        output.Trim().Split('\n').Should().ContainSingle();
        using var json = JsonDocument.Parse(output);
        json.RootElement.GetProperty("model").GetString().Should().Be("test-org/tiny");
        json.RootElement.GetProperty("revision").GetString().Should().Be("main");
        json.RootElement.GetProperty("commit").GetString().Should().Be(HubTestRepo.CommitA);
        json.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetString()).Should()
            .BeEquivalentTo(HubTestRepo.Files.Keys);
    }

    [Fact]
    public async Task Revision_SelectsTheSnapshot()
    {
        _hub.AddRepo("test-org/tiny", "v2", HubTestRepo.CommitB, HubTestRepo.Files);

        var (code, output, error) = await RunAsync("download", "test-org/tiny", "--revision", "v2");

        code.Should().Be(0, error);
        output.Trim().Should().EndWith(HubTestRepo.CommitB);
        File.ReadAllText(Path.Combine(_cache.Path, "models--test-org--tiny", "refs", "v2")).Should().Be(HubTestRepo.CommitB);
    }

    [Theory]
    [InlineData(new[] { "download", "bad--name" }, "bad--name")]
    [InlineData(new[] { "download", "test-org/tiny@v1", "--revision", "v2" }, "--revision")]
    [InlineData(new[] { "download", "test-org/missing" }, "test-org/missing")]
    [InlineData(new[] { "download", "test-org/tiny@nope" }, "nope")]
    public async Task BadInput_IsOneErrorLine_NamingTheCulprit(string[] args, string named)
    {
        var (code, output, error) = await RunAsync(args);

        code.Should().Be(1);
        output.Should().BeEmpty();
        error.Should().StartWith("error: ").And.Contain(named);
        error.Trim().Split('\n').Should().ContainSingle();
    }

    [Fact]
    public async Task BadEndpoint_IsRejectedNamingTheOption()
    {
        var stderr = new StringWriter();

        int code = await CliApp.RunAsync(["download", "gpt2", "--endpoint", "not a url", "--cache-dir", _cache.Path], new StringWriter(), stderr);

        code.Should().Be(1);
        stderr.ToString().Should().Contain("--endpoint").And.Contain("not a url");
    }
}
