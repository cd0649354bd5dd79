using Gpt2Kit.Gpt2.Tests.Support;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary>Session bookkeeping: Truncate, capacity, and the argument checks of Forward and CreateSession.</summary>
public sealed class SessionTests
{
    [Fact]
    public void Truncate_forgets_positions_so_they_can_be_computed_again()
    {
        var model = ModelRunner.Model("gpt2-tiny");
        int vocab = model.Info.VocabSize;
        int[] prompt = ModelRunner.RandomIds(5, seed: 11);
        using var session = model.CreateSession(1, 8);
        float[] logits = new float[vocab];
        session.Forward(prompt, [0, 1, 2, 3, 4], ModelRunner.Ones(5), logits);
        session.Forward([1, 2, 3], [5, 6, 7], [1, 1, 1], logits);
        session.Truncate(5);
        session.Length.Should().Be(5);
        session.Forward([42], [5], [1], logits);
        ModelRunner.MaxAbsDifference(logits, ModelRunner.LastLogits(model, [.. prompt, 42])).Should().BeLessThan(1e-4f);
        FluentActions.Invoking(() => session.Truncate(7)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*0..6*");
    }

    [Fact]
    public void Overflowing_the_capacity_is_an_invalid_operation_and_changes_nothing()
    {
        var model = ModelRunner.Model("gpt2-tiny");
        using var session = model.CreateSession(1, 3);
        float[] logits = new float[model.Info.VocabSize];
        session.Forward([1, 2], [0, 1], [1, 1], logits);
        FluentActions.Invoking(() => session.Forward([3, 4], [2, 3], [1, 1], logits))
            .Should().Throw<InvalidOperationException>().WithMessage("*holds 2 of its capacity 3*");
        session.Length.Should().Be(2);
    }

    [Fact]
    public void Forward_names_the_argument_that_is_wrong()
    {
        var model = ModelRunner.Model("gpt2-tiny");
        int vocab = model.Info.VocabSize;
        using var session = model.CreateSession(2, 4);
        float[] logits = new float[2 * vocab];
        FluentActions.Invoking(() => session.Forward([1, 2, 3], [0, 1, 2], [1, 1, 1], logits)).Should().Throw<ArgumentException>().WithMessage("*multiple of the 2 rows*");
        FluentActions.Invoking(() => session.Forward([1, 2], [0], [1, 1], logits)).Should().Throw<ArgumentException>().WithMessage("positions has 1*");
        FluentActions.Invoking(() => session.Forward([1, vocab], [0, 0], [1, 1], logits)).Should().Throw<ArgumentException>().WithMessage($"tokens[1] is {vocab}; token ids are 0..{vocab - 1}*");
        FluentActions.Invoking(() => session.Forward([1, 2], [0, 128], [1, 1], logits)).Should().Throw<ArgumentException>().WithMessage("positions[1] is 128; this model has n_positions 128*");
        FluentActions.Invoking(() => session.Forward([1, 2], [0, 0], [1, 2], logits)).Should().Throw<ArgumentException>().WithMessage("attentionMask[1] is 2*");
        FluentActions.Invoking(() => session.Forward([1, 2], [0, 0], [1, 1], new float[vocab])).Should().Throw<ArgumentException>().WithMessage("logits has*");
        FluentActions.Invoking(() => session.Forward([1, 2], [0, 0], [1, 1], logits, hiddenStates: new float[3])).Should().Throw<ArgumentException>().WithMessage("hiddenStates has 3*");
        session.Length.Should().Be(0);
    }

    [Fact]
    public void CreateSession_checks_rows_and_capacity_against_the_context_length()
    {
        var model = ModelRunner.Model("gpt2-tiny");
        FluentActions.Invoking(() => model.CreateSession(0, 4)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("rows");
        FluentActions.Invoking(() => model.CreateSession(1, 129)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*1..128*");
        FluentActions.Invoking(() => model.CreateSession(1, 0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("capacity");
    }

    [Fact]
    public void The_whole_context_can_be_filled_and_sessions_run_concurrently()
    {
        var model = ModelRunner.Model("gpt2-tiny");
        int[] ids = ModelRunner.RandomIds(128, seed: 12);
        float[] expected = ModelRunner.LastLogits(model, ids);
        var results = new float[4][];
        Parallel.For(0, 4, i => results[i] = ModelRunner.LastLogits(model, ids));
        foreach (var result in results)
        {
            ModelRunner.MaxAbsDifference(result, expected).Should().Be(0f);
        }
    }

    [Fact]
    public void A_session_of_a_disposed_model_refuses_to_run()
    {
        var model = Gpt2Model.FromPretrained(Gpt2Kit.Testing.FixturePaths.Checkpoint("gpt2-tiny"), new Gpt2Kit.Models.ModelLoadOptions { Threads = 1 });
        var session = model.CreateSession(1, 2);
        model.Dispose();
        FluentActions.Invoking(() => session.Forward([1], [0], [1], new float[50257])).Should().Throw<ObjectDisposedException>();
        FluentActions.Invoking(() => model.CreateSession(1, 2)).Should().Throw<ObjectDisposedException>();
        session.Dispose();
    }

    [Fact]
    public void Model_info_comes_from_the_configuration()
    {
        var info = ModelRunner.Model("gpt2-tiny-f16").Info;
        info.Name.Should().Be("gpt2-tiny-f16");
        info.VocabSize.Should().Be(50257);
        info.ContextLength.Should().Be(128);
        info.HiddenSize.Should().Be(64);
        info.EosTokenIds.Should().Equal(50256);
        info.BosTokenId.Should().Be(50256);
        info.PadTokenId.Should().BeNull();
    }
}
