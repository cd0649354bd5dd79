using Gpt2Kit.Decoding;
using Gpt2Kit.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Tests.Plugins;

/// <summary>Plugins loaded through configuration and used by the text generator over the gpt2-tiny checkpoint.</summary>
public sealed class PluginGenerationTests(PluginGenerationTests.Host host) : IClassFixture<PluginGenerationTests.Host>
{
    private static readonly int[][] Prompt = [[464, 2068, 7586, 21831]];

    private readonly ServiceProvider _provider = host.Provider;
    private readonly ITextGenerator _generator = host.Provider.GetRequiredService<ITextGenerator>();

    /// <summary>One host for the class: the shipped and the faulty plugins, loaded through configuration.</summary>
    public sealed class Host : IDisposable
    {
        private readonly PluginFolder _folder;

        public Host()
        {
            _folder = PluginFolder.WithShippedPlugins().Add(PluginFolder.Faulty);
            File.Delete(Path.Combine(_folder.Path, PluginFolder.Faulty, "Gpt2Kit.Tests.FaultyPlugins.Dependency.dll"));
            Provider = PluginHost.Build($$"""{ "Gpt2Kit": { "Plugins": [ "{{PluginHost.Escape(_folder.Path)}}" ] } }""");
        }

        public ServiceProvider Provider { get; }

        public void Dispose()
        {
            Provider.Dispose();
            _folder.Dispose();
        }
    }

    private Task<GenerationResult> Generate(GenerationOptions options) => _generator.GenerateAsync(GenerationRequest.FromIds(Prompt, options));

    // Mirostat is the chain's last step (a selector) in the shared token-by-token loop; tau and eta come per request.
    private static GenerationOptions Mirostat(long seed, int tokens = 8, double tau = 5, double eta = 0.1) => new()
    {
        DoSample = true,
        Seed = seed,
        MaxNewTokens = tokens,
        Processors = [ProcessorSpec.Create("mirostat_v2", ("tau", tau.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("eta", eta.ToString(System.Globalization.CultureInfo.InvariantCulture)))],
    };

    [Fact]
    public async Task Mirostat_is_deterministic_for_a_seed_and_differs_from_plain_sampling()
    {
        var first = await Generate(Mirostat(7));
        var again = await Generate(Mirostat(7));
        var sampled = await Generate(new GenerationOptions { DoSample = true, Seed = 7, MaxNewTokens = 8, TopK = 0 });
        var otherSeed = await Generate(Mirostat(8));

        first.Sequences[0].Should().HaveCount(Prompt[0].Length + 8).And.StartWith(Prompt[0]);
        first.Processors.Should().Equal("mirostat_v2");
        again.Sequences[0].Should().Equal(first.Sequences[0]);
        sampled.Sequences[0].Should().NotEqual(first.Sequences[0]);
        otherSeed.Sequences[0].Should().NotEqual(first.Sequences[0]);
        first.Texts[0].Should().NotBeEmpty();
    }

    [Fact]
    public async Task Mirostat_first_token_is_within_the_initial_surprise_budget()
    {
        // mu starts at 2·tau = 10 bits: the first token is either the most likely one or has surprise <= 10 bits.
        var greedy = await Generate(new GenerationOptions { MaxNewTokens = 1 });
        for (var seed = 0; seed < 3; seed++)
        {
            var result = await Generate(Mirostat(seed, tokens: 1));

            var surprise = -result.TokenLogprobs[0][0] / Math.Log(2);
            var chosen = result.Sequences[0][^1];
            (chosen == greedy.Sequences[0][^1] || surprise <= 10 + 1e-4).Should().BeTrue($"seed {seed} chose {chosen} with surprise {surprise} bits");
        }
    }

    [Fact]
    public async Task Mirostat_with_a_tiny_target_surprise_keeps_only_the_most_likely_token_and_matches_greedy()
    {
        // tau = 0.01 for this request only: mu stays far below the surprise of any token but the most likely one, so every
        // step truncates to that token, whatever the seed.
        var mirostat = await Generate(Mirostat(11, tokens: 6, tau: 0.01));
        var greedy = await Generate(new GenerationOptions { Strategy = "greedy", MaxNewTokens = 6 });

        mirostat.Sequences[0].Should().Equal(greedy.Sequences[0]);
    }

    [Fact]
    public async Task Mirostat_streams_and_honours_stop_strings_through_the_shared_loop()
    {
        var options = Mirostat(5, tokens: 12);
        var full = await Generate(options);
        var stop = full.Texts[0].Length > 3 ? full.Texts[0].Substring(2, 2) : full.Texts[0];
        options.StopStrings = [stop];

        var streamed = new List<GenerationUpdate>();
        await foreach (var update in _generator.GenerateStreamingAsync(GenerationRequest.FromIds(Prompt, options)))
        {
            streamed.Add(update);
        }

        streamed.Should().NotBeEmpty();
        streamed[^1].FinishReason.Should().Be(FinishReason.StopString);
        string.Concat(streamed.Select(u => u.Text)).Should().NotContain(stop);
    }

    [Fact]
    public async Task Mirostat_settings_out_of_range_name_their_path()
    {
        var options = Mirostat(1);
        options.Processors = [ProcessorSpec.Create("mirostat_v2", ("tau", "0"))];

        var act = () => Generate(options);

        (await act.Should().ThrowAsync<GenerationConfigurationException>()).WithMessage("mirostat_v2:tau: '0' is not allowed; expected a number in (0, 1000000].");
    }

    [Fact]
    public async Task Plugin_processors_run_in_an_explicit_chain()
    {
        var options = new GenerationOptions
        {
            Strategy = "sample",
            Seed = 3,
            MaxNewTokens = 8,
            Processors = [ProcessorSpec.Create("dry", ("multiplier", "0.8")), ProcessorSpec.Create("xtc", ("probability", "1"), ("threshold", "0.0001"))],
        };

        var result = await Generate(options);

        result.Processors.Should().Equal("dry", "xtc");
        result.Sequences[0].Should().HaveCount(Prompt[0].Length + 8);
    }

    [Fact]
    public async Task A_failing_plugin_processor_fails_the_request_with_its_name_and_the_next_request_works()
    {
        var failing = new GenerationOptions { MaxNewTokens = 3, Processors = [ProcessorSpec.Create("explode")] };

        var act = () => Generate(failing);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message
            .Should().StartWith("processor 'explode' (plugin ExplodingProcessorPlugin) failed: ArithmeticException");
        var next = await Generate(new GenerationOptions { MaxNewTokens = 3 });
        next.Sequences[0].Should().HaveCount(Prompt[0].Length + 3);
    }

    [Fact]
    public void The_report_is_available_from_the_container()
    {
        var report = _provider.GetRequiredService<PluginLoadReport>();

        report.Plugins.Select(p => p.Name).Should().Contain(["MirostatPlugin", "XtcPlugin", "LegacyJsonPlugin", "ExplodingProcessorPlugin"]);
        report.Failures.Select(f => f.Plugin).Should().BeEquivalentTo(
            "ThrowingPlugin", "DuplicateXtcPlugin", "MissingDependencyPlugin", "FactoryThrowingPlugin", "TokenizerSwapPlugin");
    }

    [Fact]
    public async Task NaN_from_a_plugin_processor_fails_the_request_naming_the_plugin_row_and_step()
    {
        var act = () => Generate(new GenerationOptions { MaxNewTokens = 3, Processors = [ProcessorSpec.Create("nan_maker")] });

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message
            .Should().Be("processor 'nan_maker' (plugin NaNProcessorPlugin) produced NaN scores (row 0, step 0, token id 7); no token is chosen from them.");
    }

    [Fact]
    public async Task A_stuck_plugin_processor_is_abandoned_soon_after_cancellation_and_named()
    {
        using var cancel = new CancellationTokenSource();
        using var entered = StallSignal();
        var options = new GenerationOptions { MaxNewTokens = 1, Processors = [ProcessorSpec.Create("stall", ("seconds", "30"))] };

        var call = Task.Run(() => _generator.GenerateAsync(GenerationRequest.FromIds(Prompt, options), cancel.Token));
        CancelOnceStalled(entered, cancel);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        (await ((Func<Task>)(() => call)).Should().ThrowAsync<OperationCanceledException>()).Which.Message
            .Should().StartWith("processor 'stall' (plugin StallingProcessorPlugin) did not return 1 s after the request was cancelled");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15), "the call returns after the grace period, not when the plugin does");
    }

    [Fact]
    public async Task A_stuck_plugin_processor_is_abandoned_soon_after_max_time_and_named()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var options = new GenerationOptions { MaxNewTokens = 1, MaxTime = 2, Processors = [ProcessorSpec.Create("stall", ("seconds", "30"))] };

        var act = () => Generate(options);

        (await act.Should().ThrowAsync<TimeoutException>()).Which.Message
            .Should().StartWith("processor 'stall' (plugin StallingProcessorPlugin) did not return 1 s after max_time (2 s) ran out");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "the call returns after the grace period, not when the plugin does");
    }

    [Fact]
    public async Task A_stuck_plugin_processor_ends_a_stream_after_cancellation()
    {
        using var cancel = new CancellationTokenSource();
        using var entered = StallSignal();
        var options = new GenerationOptions { MaxNewTokens = 1, Processors = [ProcessorSpec.Create("stall", ("seconds", "30"))] };

        var call = Task.Run(async () =>
        {
            await foreach (var update in _generator.GenerateStreamingAsync(GenerationRequest.FromIds(Prompt, options), cancel.Token))
            {
                _ = update;
            }
        });
        CancelOnceStalled(entered, cancel);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        (await ((Func<Task>)(() => call)).Should().ThrowAsync<OperationCanceledException>()).Which.Message
            .Should().Contain("processor 'stall' (plugin StallingProcessorPlugin)");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15));
    }

    // The stalling plugin sets this event when its call starts, so cancellation lands while it is stuck however slow
    // the machine is (a fixed delay could fire before the plugin runs).
    private static ManualResetEventSlim StallSignal()
    {
        var entered = new ManualResetEventSlim();
        AppContext.SetData("Gpt2Kit.Tests.FaultyPlugins.StallEntered", entered);
        return entered;
    }

    private static void CancelOnceStalled(ManualResetEventSlim entered, CancellationTokenSource cancel)
    {
        entered.Wait(TimeSpan.FromSeconds(60)).Should().BeTrue("the stalling plugin's call should start");
        cancel.Cancel();
    }
}
