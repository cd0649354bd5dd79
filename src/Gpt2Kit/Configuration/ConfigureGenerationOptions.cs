using Gpt2Kit.Decoding;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Gpt2Kit.Configuration;

/// <summary>Fills <c>IOptions&lt;GenerationOptions&gt;</c> from a <c>Gpt2Kit</c> section when the options are first
/// asked for (that is, when the generator is built).</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal sealed class ConfigureGenerationOptions(IConfiguration section) : IConfigureOptions<GenerationOptions>
{
    public void Configure(GenerationOptions options) => Gpt2KitConfiguration.ApplyTo(section, options);
}
