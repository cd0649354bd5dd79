using Gpt2Kit.Decoding;
using Gpt2Kit.Models;
using Gpt2Kit.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Tests.Plugins;

public sealed class PluginLoaderTests
{
    private static (ServiceProvider Provider, PluginLoadReport Report) Load(string folder)
    {
        var services = new ServiceCollection();
        new Gpt2KitBuilder(services).AddPluginsFrom(folder);
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<PluginLoadReport>());
    }

    [Fact]
    public void Shipped_plugins_load_and_report_what_they_registered()
    {
        using var folder = PluginFolder.WithShippedPlugins();

        var (provider, report) = Load(folder.Path);

        report.Failures.Should().BeEmpty();
        report.Folders.Should().Equal(folder.Path);
        report.Plugins.Select(p => (p.Name, p.AssemblyName, p.Version)).Should().BeEquivalentTo(new[]
        {
            ("LegacyJsonPlugin", PluginFolder.LegacyJson, "0.1.0"),
            ("MirostatPlugin", PluginFolder.Mirostat, "0.1.0"),
            ("XtcPlugin", PluginFolder.Xtc, "0.1.0"),
        });
        report.Plugins.SelectMany(p => p.Registrations).Should().BeEquivalentTo(new[]
        {
            new PluginRegistration("json_bias", PluginComponentKind.Processor),
            new PluginRegistration("mirostat_v2", PluginComponentKind.Processor),
            new PluginRegistration("xtc", PluginComponentKind.Warper),
            new PluginRegistration("dry", PluginComponentKind.Processor),
        });

        // The plugin's types implement the host's interfaces: the contracts were shared, not loaded twice.
        provider.GetServices<ILogitsProcessorFactory>().Select(f => f.Name).Should().BeEquivalentTo("json_bias", "mirostat_v2", "xtc", "dry");
        provider.GetServices<ISearchStrategy>().Should().BeEmpty("Mirostat is a chain's selector, not a loop of its own");
    }

    [Fact]
    public void Each_plugin_has_its_own_load_context_sharing_the_contracts()
    {
        using var folder = PluginFolder.WithShippedPlugins();

        var (provider, _) = Load(folder.Path);

        var factories = provider.GetServices<ILogitsProcessorFactory>().Cast<GuardedLogitsProcessorFactory>().ToList();
        var contexts = factories.Select(f => System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(f.Inner.GetType().Assembly)).Distinct().ToList();
        contexts.Should().HaveCount(3, "xtc and dry share the XTC plugin's context; json_bias and mirostat_v2 have their own");
        contexts.Should().NotContain(System.Runtime.Loader.AssemblyLoadContext.Default);
        foreach (var context in contexts)
        {
            context!.Assemblies.Should().NotContain(a => a.GetName().Name == "Gpt2Kit.Abstractions");
        }
    }

    [Fact]
    public void The_legacy_plugin_runs_with_its_own_newtonsoft_while_the_host_has_13()
    {
        using var folder = new PluginFolder().Add(PluginFolder.LegacyJson);
        var (provider, _) = Load(folder.Path);
        var factory = provider.GetServices<ILogitsProcessorFactory>().Cast<GuardedLogitsProcessorFactory>().Single(f => f.Name == "json_bias");

        var pluginVersion = (Version?)factory.Inner.GetType().GetProperty("NewtonsoftVersion")!.GetValue(null);

        pluginVersion.Should().Be(new Version(12, 0, 0, 0));
        typeof(Newtonsoft.Json.JsonConvert).Assembly.GetName().Version.Should().Be(new Version(13, 0, 0, 0));
    }

    [Fact]
    public void The_legacy_plugin_applies_its_bias_table()
    {
        using var folder = new PluginFolder().Add(PluginFolder.LegacyJson);
        var (provider, _) = Load(folder.Path);
        var factory = provider.GetServices<ILogitsProcessorFactory>().Single(f => f.Name == "json_bias");
        var table = Path.Combine(folder.Path, "bias.json");
        File.WriteAllText(table, """{ "2": -1.5, "5": 3 }""");

        var processor = factory.Create(new ProcessorArguments(ProcessorSpec.Create("json_bias", ("path", table))), ProcessorTestContext.Create());
        var scores = new float[] { 0, 1, 2, 3, 4, 5, 6, 7 };
        processor.Process(ProcessorTestContext.Logits([1, 2, 3]), scores);

        scores.Should().Equal(0, 1, 0.5f, 3, 4, 8, 6, 7);
    }

    [Fact]
    public void A_bad_bias_table_names_the_setting_and_the_file()
    {
        using var folder = new PluginFolder().Add(PluginFolder.LegacyJson);
        var (provider, _) = Load(folder.Path);
        var factory = provider.GetServices<ILogitsProcessorFactory>().Single(f => f.Name == "json_bias");
        var spec = new ProcessorSpec("json_bias", ProcessorSpec.Create("json_bias", ("path", "/no/such/bias.json")).Settings, "Gpt2Kit:Processors:2");

        var act = () => factory.Create(new ProcessorArguments(spec), ProcessorTestContext.Create());

        act.Should().Throw<GenerationConfigurationException>().Which.Message.Should().StartWith("Gpt2Kit:Processors:2:path: '/no/such/bias.json' is not allowed");
    }

    [Fact]
    public void Faulty_plugins_are_reported_while_the_others_keep_working()
    {
        using var folder = PluginFolder.WithShippedPlugins().Add(PluginFolder.Faulty);
        File.Delete(Path.Combine(folder.Path, PluginFolder.Faulty, "Gpt2Kit.Tests.FaultyPlugins.Dependency.dll"));
        Directory.CreateDirectory(Path.Combine(folder.Path, "Broken"));
        File.WriteAllBytes(Path.Combine(folder.Path, "Broken", "Broken.dll"), "MZ this is not a PE file"u8.ToArray());
        Directory.CreateDirectory(Path.Combine(folder.Path, "Empty"));
        File.WriteAllBytes(Path.Combine(folder.Path, "Stray.dll"), [1, 2, 3]);

        var (provider, report) = Load(folder.Path);

        report.Plugins.Select(p => p.Name).Should().BeEquivalentTo(
            "ExplodingProcessorPlugin", "LegacyJsonPlugin", "MirostatPlugin", "XtcPlugin", "NaNProcessorPlugin", "StallingProcessorPlugin");
        var failures = report.Failures.ToDictionary(f => f.Plugin);
        failures.Keys.Should().BeEquivalentTo(
            "Stray", "Broken", "Empty", "ThrowingPlugin", "DuplicateXtcPlugin", "MissingDependencyPlugin", "FactoryThrowingPlugin", "TokenizerSwapPlugin");
        failures["Stray"].Reason.Should().Contain("its own subfolder");
        failures["Broken"].Path.Should().EndWith(Path.Combine("Broken", "Broken.dll"));
        failures["Broken"].Reason.Should().StartWith("not a valid .NET assembly");
        failures["Empty"].Reason.Should().StartWith("no plugin assembly: expected 'Empty.dll'");
        failures["ThrowingPlugin"].Reason.Should().Be("Register threw InvalidOperationException: registration exploded on purpose");
        failures["ThrowingPlugin"].Path.Should().EndWith("Gpt2Kit.Tests.FaultyPlugins.dll");
        failures["DuplicateXtcPlugin"].Reason.Should().StartWith("processor 'xtc' is already registered by plugin XtcPlugin (")
            .And.EndWith("this plugin was not loaded.");
        failures["MissingDependencyPlugin"].Reason.Should().StartWith("missing dependency 'Gpt2Kit.Tests.FaultyPlugins.Dependency");
        failures["FactoryThrowingPlugin"].Reason.Should()
            .Be("creating its processor ILogitsProcessorFactory threw NullReferenceException: the factory exploded on purpose; this plugin was not loaded.");
        failures["TokenizerSwapPlugin"].Reason.Should().Be("it registers ITokenizer, which only the host provides; this plugin was not loaded.");

        // Nothing from a failed plugin was added: one xtc, no never_added, no greeting, no throwing factory, the host's tokenizer.
        provider.GetServices<ILogitsProcessorFactory>().Select(f => f.Name).Should().BeEquivalentTo("explode", "json_bias", "mirostat_v2", "xtc", "dry", "nan_maker", "stall");
        provider.GetService<Gpt2Kit.Tokenization.ITokenizer>().Should().BeNull();
    }

    [Fact]
    public void A_processor_that_throws_fails_its_request_with_its_name_and_the_next_one_works()
    {
        using var folder = new PluginFolder().Add(PluginFolder.Faulty);
        File.Delete(Path.Combine(folder.Path, PluginFolder.Faulty, "Gpt2Kit.Tests.FaultyPlugins.Dependency.dll"));
        var (provider, _) = Load(folder.Path);
        var factory = provider.GetServices<ILogitsProcessorFactory>().Single(f => f.Name == "explode");
        var scores = new float[8];

        var failing = factory.Create(new ProcessorArguments(ProcessorSpec.Create("explode")), ProcessorTestContext.Create());
        var act = () => failing.Process(ProcessorTestContext.Logits([1, 2]), scores);

        var error = act.Should().Throw<InvalidOperationException>().Which;
        error.Message.Should().Be("processor 'explode' (plugin ExplodingProcessorPlugin) failed: ArithmeticException: the processor exploded on purpose");
        error.InnerException.Should().BeOfType<ArithmeticException>();

        var working = factory.Create(new ProcessorArguments(ProcessorSpec.Create("explode", ("fail", "false"))), ProcessorTestContext.Create());
        working.Invoking(p => p.Process(ProcessorTestContext.Logits([1, 2]), scores)).Should().NotThrow();
    }

    [Fact]
    public void A_name_the_host_already_registered_is_rejected()
    {
        using var folder = new PluginFolder().Add(PluginFolder.Mirostat);
        var services = new ServiceCollection();
        var builder = new Gpt2KitBuilder(services);
        builder.AddLogitsProcessor(new HostProcessor("mirostat_v2"));

        var report = PluginLoader.LoadFrom(builder, folder.Path);

        report.Plugins.Should().BeEmpty();
        report.Failures.Should().ContainSingle().Which.Reason.Should().Be("processor 'mirostat_v2' is already registered by the host; this plugin was not loaded.");
    }

    [Fact]
    public void An_empty_folder_gives_an_empty_report()
    {
        using var folder = new PluginFolder();

        var (_, report) = Load(folder.Path);

        report.Plugins.Should().BeEmpty();
        report.Failures.Should().BeEmpty();
        report.Folders.Should().Equal(folder.Path);
    }

    [Fact]
    public void A_missing_folder_is_a_clear_error()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"gpt2kit-missing-{Guid.NewGuid():N}");

        var act = () => new Gpt2KitBuilder(new ServiceCollection()).AddPluginsFrom(missing);

        act.Should().Throw<DirectoryNotFoundException>().WithMessage($"The plugins folder '{missing}' does not exist*");
    }

    [Fact]
    public void Several_folders_share_one_report()
    {
        using var first = new PluginFolder().Add(PluginFolder.Xtc);
        using var second = new PluginFolder().Add(PluginFolder.Mirostat);
        var services = new ServiceCollection();

        new Gpt2KitBuilder(services).AddPluginsFrom(first.Path).AddPluginsFrom(second.Path);

        var report = services.BuildServiceProvider().GetRequiredService<PluginLoadReport>();
        report.Folders.Should().Equal(first.Path, second.Path);
        report.Plugins.Select(p => p.Name).Should().Equal("XtcPlugin", "MirostatPlugin");
        services.Count(d => d.ServiceType == typeof(PluginLoadReport)).Should().Be(1);
    }

    private sealed class HostProcessor(string name) : ILogitsProcessorFactory
    {
        public string Name => name;

        public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

        public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context) => throw new NotSupportedException();
    }

    private sealed class HostStrategy(string name) : ISearchStrategy
    {
        public string Name => name;

        public void Validate(ResolvedGenerationOptions options, ModelInfo model)
        {
        }

        public GenerationResult Search(SearchContext context, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
