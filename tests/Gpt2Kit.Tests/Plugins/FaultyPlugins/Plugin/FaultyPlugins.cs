using Gpt2Kit.Decoding;
using Gpt2Kit.Plugins;
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
