using Gpt2Kit.Decoding;
using Gpt2Kit.Testing;
using Gpt2Kit.Tests.Decoding.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Tests.Reliability;

/// <summary>One generator serves requests on many threads with the results of running them one by one, and a container
/// disposed while requests run ends them cleanly.</summary>
public sealed class ConcurrencyTests
{
    private static readonly int[][] Prompts = [[464, 2068, 7586, 21831], [15496, 11, 616], [40, 588, 284, 1561, 546]];

    private static IEnumerable<GenerationRequest> Requests() =>
        Enumerable.Range(0, 12).Select(i => GenerationRequest.FromIds([Prompts[i % Prompts.Length]], (i % 4) switch
        {
            0 => new GenerationOptions { MaxNewTokens = 12 },
            1 => new GenerationOptions { MaxNewTokens = 12, DoSample = true, Seed = i, TopP = 0.9 },
            2 => new GenerationOptions { MaxNewTokens = 10, NumBeams = 3, NumReturnSequences = 2 },
            _ => new GenerationOptions { MaxNewTokens = 10, PenaltyAlpha = 0.6, TopK = 4 },
        }));

    [Fact]
    public async Task Parallel_requests_give_the_sequences_of_sequential_ones()
    {
        var generator = ReferenceModels.Generator("gpt2-tiny");
        var sequential = new List<GenerationResult>();
        foreach (var request in Requests())
        {
            sequential.Add(await generator.GenerateAsync(request));
        }

        var parallel = await Task.WhenAll(Requests().Select(r => Task.Run(() => generator.GenerateAsync(r))));

        parallel.Should().HaveCount(sequential.Count);
        for (int i = 0; i < sequential.Count; i++)
        {
            parallel[i].Sequences.Should().BeEquivalentTo(sequential[i].Sequences, o => o.WithStrictOrdering(), $"request {i}");
            parallel[i].TransitionScores.Should().BeEquivalentTo(sequential[i].TransitionScores, o => o.WithStrictOrdering(), $"request {i}");
        }
    }

    [Fact]
    public async Task Disposing_the_container_while_requests_stream_ends_each_with_a_result_or_ObjectDisposedException()
    {
        var services = new ServiceCollection();
        services.AddGpt2Kit().AddGpt2Model(FixturePaths.Checkpoint("gpt2-tiny"), o => o.Threads = 1);
        var provider = services.BuildServiceProvider();
        var generator = provider.GetRequiredService<ITextGenerator>();
        using var started = new CountdownEvent(4);

        var requests = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            var options = new GenerationOptions { MaxNewTokens = 120, DoSample = true, Seed = i, MinNewTokens = 120 };
            bool signalled = false;
            try
            {
                await foreach (var update in generator.GenerateStreamingAsync(GenerationRequest.FromIds([[464, 2068]], options)))
                {
                    if (!signalled)
                    {
                        signalled = true;
                        started.Signal();
                    }
                }

                return "completed";
            }
            catch (ObjectDisposedException)
            {
                return "disposed";
            }
            finally
            {
                if (!signalled)
                {
                    started.Signal();
                }
            }
        })).ToArray();

        started.Wait(TimeSpan.FromSeconds(60)).Should().BeTrue();
        await provider.DisposeAsync();

        var outcomes = await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(60));
        outcomes.Should().OnlyContain(o => o == "completed" || o == "disposed");
    }
}
