using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.Decoding;

/// <summary>One entry of an explicit processor chain: a registered processor type and its settings.</summary>
/// <param name="Type">The registered name (<c>"top_k"</c>, <c>"repetition_penalty"</c>, a plugin's name).</param>
/// <param name="Settings">The entry's settings, e.g. <c>k = 40</c>; nested lists follow the configuration convention (<c>ids:0:1</c>).</param>
/// <param name="Path">Where the entry came from, for error messages (<c>Gpt2Kit:Processors:1</c>).</param>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record ProcessorSpec(string Type, IConfiguration Settings, string Path)
{
    /// <summary>Builds a spec from plain key/value pairs, e.g. <c>ProcessorSpec.Create("top_k", ("k", "40"))</c>; keys are
    /// case-insensitive and may be nested paths (<c>("ids:0:1", "42")</c>), as in any configuration.</summary>
    public static ProcessorSpec Create(string type, params (string Key, string? Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return new ProcessorSpec(type, configuration, type);
    }
}
