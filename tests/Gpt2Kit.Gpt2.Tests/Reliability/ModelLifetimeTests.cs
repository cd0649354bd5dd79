using Gpt2Kit.Models;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Gpt2.Tests.Reliability;

/// <summary>The model's memory and lifetime limits: a session that would not fit the budget is refused before it is
/// allocated, and disposing the model while sessions run waits for their forward passes instead of pulling the weights away.</summary>
public sealed class ModelLifetimeTests
{
    private static readonly string Checkpoint = FixturePaths.Checkpoint("gpt2-tiny");

    [Fact]
    public void A_session_larger_than_the_memory_budget_is_refused_with_both_numbers()
    {
        using var model = Gpt2Model.FromPretrained(Checkpoint, new ModelLoadOptions { Threads = 1, MemoryBudgetBytes = 1_000_000 });
        long need = model.SessionBytes(64, 128);

        FluentActions.Invoking(() => model.CreateSession(64, 128)).Should().Throw<ArgumentOutOfRangeException>()
            .Which.Message.Should().StartWith($"a session of 64 rows × 128 positions needs {need:N0} bytes (KV cache and scratch), more than the memory budget of 1,000,000 bytes");
        using var small = model.CreateSession(1, 16);
        small.Rows.Should().Be(1);
    }

    [Fact]
    public void A_session_whose_size_overflows_64_bits_is_refused_not_wrapped()
    {
        using var model = Gpt2Model.FromPretrained(Checkpoint, new ModelLoadOptions { Threads = 1 });

        FluentActions.Invoking(() => model.CreateSession(int.MaxValue, 128)).Should().Throw<ArgumentOutOfRangeException>()
            .Which.Message.Should().Contain("needs ").And.Contain("more than the memory budget");
    }

    [Fact]
    public async Task Disposing_the_model_during_forward_passes_waits_for_them_and_fails_later_calls_cleanly()
    {
        var model = Gpt2Model.FromPretrained(Checkpoint, new ModelLoadOptions { Threads = 1 });
        int vocab = model.Info.VocabSize;
        using var started = new CountdownEvent(4);
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            using var session = model.CreateSession(1, 128);
            var logits = new float[vocab];
            started.Signal();
            int passes = 0;
            try
            {
                for (int position = 0; position < 128; position++)
                {
                    session.Forward([position % 100], [position], [1], logits);
                    logits.Should().OnlyContain(x => float.IsFinite(x), "a pass that ran finished on intact weights");
                    passes++;
                    if (position == 127)
                    {
                        session.Truncate(0);
                        position = -1;
                    }
                }
            }
            catch (ObjectDisposedException)
            {
                return passes;
            }

            return -1;
        })).ToArray();

        started.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue();
        Thread.Sleep(50);
        model.Dispose();

        var passes = await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
        passes.Should().OnlyContain(p => p >= 0, "every loop ended with ObjectDisposedException, none ran on");
        FluentActions.Invoking(() => model.CreateSession(1, 4)).Should().Throw<ObjectDisposedException>();
    }
}
