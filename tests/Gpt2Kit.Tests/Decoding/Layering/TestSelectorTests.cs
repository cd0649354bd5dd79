using Gpt2Kit.Decoding;
using Gpt2Kit.Plugins;
using Gpt2Kit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Tests.Decoding.Layering;

/// <summary>A selector written here, against the abstractions only, ends a chain and runs through the shared
/// token-by-token loop: streaming, stop strings and the observer step included.</summary>
public sealed class TestSelectorTests
{
    private static readonly int[][] Prompt = [[464, 2068, 7586, 21831]];

    [Fact]
    public async Task A_test_selector_chooses_streams_stops_and_is_told_its_tokens()
    {
        var factory = new SecondBestFactory();
        var services = new ServiceCollection();
        services.AddGpt2Kit().AddGpt2Model(FixturePaths.Checkpoint("gpt2-tiny")).AddLogitsProcessor(factory);
        using var provider = services.BuildServiceProvider();
        var generator = provider.GetRequiredService<ITextGenerator>();
        GenerationOptions Options() => new() { MaxNewTokens = 10, Processors = [ProcessorSpec.Create("second_best")] };

        var whole = await generator.GenerateAsync(GenerationRequest.FromIds(Prompt, Options()));
        var greedy = await generator.GenerateAsync(GenerationRequest.FromIds(Prompt, new GenerationOptions { MaxNewTokens = 10 }));
        var stop = whole.Texts[0].Substring(whole.Texts[0].Length / 2, 2);
        var stopping = Options();
        stopping.StopStrings = [stop];
        var streamed = new List<GenerationUpdate>();
        await foreach (var update in generator.GenerateStreamingAsync(GenerationRequest.FromIds(Prompt, stopping)))
        {
            streamed.Add(update);
        }

        whole.Processors.Should().Equal("second_best");
        whole.Sequences[0][Prompt[0].Length].Should().NotBe(greedy.Sequences[0][Prompt[0].Length], "the selector takes the second most likely token");
        factory.Last!.Accepted.Should().Equal(streamed.Where(u => u.TokenId >= 0).Select(u => u.TokenId), "observers are told each running row's token");
        streamed[^1].FinishReason.Should().Be(FinishReason.StopString);
        string.Concat(streamed.Select(u => u.Text)).Should().NotContain(stop);
    }

    private sealed class SecondBestFactory : ILogitsProcessorFactory
    {
        public SecondBest? Last { get; private set; }

        public string Name => "second_best";

        public LogitsProcessorStage Stage => LogitsProcessorStage.Selector;

        public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context) => Last = new SecondBest();
    }

    private sealed class SecondBest : ILogitsProcessor, ITokenSelector, ITokenObserver
    {
        private readonly int[] _top = new int[2];
        private readonly float[] _values = new float[2];

        public List<int> Accepted { get; } = [];

        public void Process(in LogitsContext context, Span<float> scores)
        {
        }

        public int Select(in LogitsContext context, ReadOnlySpan<float> scores, Random random) =>
            ScoreMath.TopK(scores, _top, _values) == 2 ? _top[1] : _top[0];

        public void Accept(in LogitsContext context, int token) => Accepted.Add(token);
    }
}
