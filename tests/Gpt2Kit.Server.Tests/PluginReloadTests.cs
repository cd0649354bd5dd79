using System.Text.Json.Nodes;
using Gpt2Kit.Tests.Plugins;

namespace Gpt2Kit.Server.Tests;

/// <summary><c>--plugins DIR --watch</c>: a plugin dropped into the folder is served without a restart; a new version that
/// fails to load (a missing dependency, the DotNetCorePlugins #222 case) leaves the previous version serving and the host up.</summary>
public sealed class PluginReloadTests : IAsyncLifetime
{
    private readonly PluginFolder _folder = new();
    private readonly ServerFixture _server;

    public PluginReloadTests() => _server = new(o => { o.PluginFolders = [_folder.Path]; o.WatchPlugins = true; });

    public Task InitializeAsync() => _server.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task New_plugins_are_picked_up_and_a_failing_new_version_leaves_the_previous_one_serving()
    {
        var xtc = new { model = ServerFixture.ModelName, prompt = "Hello", max_tokens = 4, seed = 1, processors = new object[] { new { type = "xtc", threshold = 0.1, probability = 0.5 } } };
        var before = await Plugins();
        before["plugins"]!.AsArray().Should().BeEmpty();
        before["watching"]!.GetValue<bool>().Should().BeTrue();
        var (status, body) = await _server.PostAsync("/v1/completions", xtc);
        status.Should().Be(400, "xtc is not loaded yet");
        ((string)body["error"]!["message"]!).Should().Contain("xtc");

        _folder.Add(PluginFolder.Xtc);
        await Until(report => report["plugins"]!.AsArray().Any(p => (string)p!["name"]! == "XtcPlugin"), "the new plugin is loaded");
        (status, body) = await _server.PostAsync("/v1/completions", xtc);
        status.Should().Be(200, body.ToJsonString());

        // A plugin with a dependency: bias one token so much that greedy decoding repeats it.
        string table = Path.Combine(_folder.Path, "bias.json");
        await File.WriteAllTextAsync(table, "{\"42\": 1000}");
        _folder.Add(PluginFolder.LegacyJson);
        await Until(report => report["plugins"]!.AsArray().Any(p => (string)p!["name"]! == "LegacyJsonPlugin"), "the second plugin is loaded");
        var biased = new { model = ServerFixture.ModelName, prompt = "Hello", max_tokens = 3, temperature = 0, processors = new object[] { new { type = "json_bias", path = table } } };
        (status, body) = await _server.PostAsync("/v1/completions", biased);
        status.Should().Be(200, body.ToJsonString());
        string expected = _server.Library.Tokenizer.Decode([42, 42, 42]);
        ((string)body["choices"]![0]!["text"]!).Should().Be(expected);
        int generation = (await Plugins())["generation"]!.GetValue<int>();

        // The "rebuilt" plugin lost its dependency: the new version fails, the old one keeps serving.
        string pluginFolder = Path.Combine(_folder.Path, PluginFolder.LegacyJson);
        File.Delete(Path.Combine(pluginFolder, "Newtonsoft.Json.dll"));
        string main = Path.Combine(pluginFolder, PluginFolder.LegacyJson + ".dll");
        await File.WriteAllBytesAsync(main, await File.ReadAllBytesAsync(main));
        var after = await Until(report => report["generation"]!.GetValue<int>() > generation
            && report["failures"]!.AsArray().Any(f => ((string)f!["reason"]!).Contains("previous version keeps serving")), "the failed reload is reported");
        var failure = after["failures"]!.AsArray().Single(f => ((string)f!["reason"]!).Contains("previous version keeps serving"))!;
        ((string)failure["reason"]!).Should().Contain("Newtonsoft.Json");
        after["plugins"]!.AsArray().Select(p => (string)p!["name"]!).Should().Contain(["LegacyJsonPlugin", "XtcPlugin"]);

        (status, body) = await _server.PostAsync("/v1/completions", biased);
        status.Should().Be(200, body.ToJsonString());
        ((string)body["choices"]![0]!["text"]!).Should().Be(expected);
        (await _server.Http.GetAsync("/health")).IsSuccessStatusCode.Should().BeTrue();
    }

    private async Task<JsonNode> Plugins() => JsonNode.Parse(await _server.Http.GetStringAsync("/v1/plugins"))!;

    private async Task<JsonNode> Until(Func<JsonNode, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var report = await Plugins();
            if (condition(report))
            {
                return report;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited 30 s for {what}; the report is {report.ToJsonString()}");
            }

            await Task.Delay(100);
        }
    }
}
