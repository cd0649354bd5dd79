using Gpt2Kit.Decoding;
using Gpt2Kit.Plugins;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.DependencyInjection;
using Gpt2Kit.Tests.FaultyPlugins.Dependency;

namespace Gpt2Kit.Tests.FaultyPlugins;

/// <summary>Its registration throws.</summary>
public sealed class ThrowingPlugin : IGpt2KitPlugin
{
    public void Register(IGpt2KitBuilder builder)
    {
        builder.AddLogitsProcessor(new ExplodingProcessorFactory("never_added"));
        throw new InvalidOperationException("registration exploded on purpose");
    }
}

/// <summary>Registers a processor under a name the XTC plugin already uses.</summary>
public sealed class DuplicateXtcPlugin : IGpt2KitPlugin
{
    public void Register(IGpt2KitBuilder builder) => builder.AddLogitsProcessor(new ExplodingProcessorFactory("xtc"));
}

/// <summary>Uses a dependency that the tests delete from the plugin folder.</summary>
public sealed class MissingDependencyPlugin : IGpt2KitPlugin
{
    public void Register(IGpt2KitBuilder builder) => builder.AddLogitsProcessor(new ExplodingProcessorFactory(Describe()));

    // Kept in its own method so the missing assembly is only needed when Register runs.
    private static string Describe() => Greeting.Name;
}

/// <summary>Registers <c>explode</c>, a processor that throws while generating when its <c>fail</c> setting is true.</summary>
public sealed class ExplodingProcessorPlugin : IGpt2KitPlugin
{
    public void Register(IGpt2KitBuilder builder) => builder.AddLogitsProcessor(new ExplodingProcessorFactory("explode"));
}

public sealed class ExplodingProcessorFactory(string name) : ILogitsProcessorFactory
{
    public string Name => name;

    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context) =>
        new ExplodingProcessor(arguments.GetBoolean("fail", true));

    private sealed class ExplodingProcessor(bool fail) : ILogitsProcessor
    {
        public void Process(in LogitsContext context, Span<float> scores)
        {
            if (fail)
            {
                throw new ArithmeticException("the processor exploded on purpose");
            }
        }
    }
}

/// <summary>Registers <c>nan_maker</c>, a processor that writes NaN into the score of token 7.</summary>
public sealed class NaNProcessorPlugin : IGpt2KitPlugin
{
    public void Register(IGpt2KitBuilder builder) => builder.AddLogitsProcessor(new NaNProcessorFactory());

    private sealed class NaNProcessorFactory : ILogitsProcessorFactory
    {
        public string Name => "nan_maker";

        public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

        public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context) => new NaNProcessor();
    }

    private sealed class NaNProcessor : ILogitsProcessor
    {
        public void Process(in LogitsContext context, Span<float> scores) => scores[Math.Min(7, scores.Length - 1)] = float.NaN;
    }
}

/// <summary>Registers <c>stall</c>, a processor that blocks for <c>seconds</c> (default 5) and ignores cancellation.</summary>
public sealed class StallingProcessorPlugin : IGpt2KitPlugin
{
    public void Register(IGpt2KitBuilder builder) => builder.AddLogitsProcessor(new StallingProcessorFactory());

    private sealed class StallingProcessorFactory : ILogitsProcessorFactory
    {
        public string Name => "stall";

        public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

        public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context) =>
            new StallingProcessor(TimeSpan.FromSeconds(arguments.GetDouble("seconds", 5)));
    }

    private sealed class StallingProcessor(TimeSpan stall) : ILogitsProcessor
    {
        public void Process(in LogitsContext context, Span<float> scores) => Thread.Sleep(stall);
    }
}

/// <summary>Registers a processor factory through a container factory that throws when it is created.</summary>
public sealed class FactoryThrowingPlugin : IGpt2KitPlugin
{
    public void Register(IGpt2KitBuilder builder) =>
        builder.Services.AddSingleton<ILogitsProcessorFactory>(_ => throw new NullReferenceException("the factory exploded on purpose"));
}

/// <summary>Tries to replace the host's tokenizer.</summary>
public sealed class TokenizerSwapPlugin : IGpt2KitPlugin
{
    public void Register(IGpt2KitBuilder builder) =>
        builder.Services.AddSingleton<ITokenizer>(_ => throw new NotSupportedException("a plugin's tokenizer"));
}
