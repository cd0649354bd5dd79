using System.Text;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Testing;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Tests.Plugins;

/// <summary>A DI host over the gpt2-tiny fixture, configured from JSON the way an application is.</summary>
internal static class PluginHost
{
    public static ServiceProvider Build(string configurationJson)
    {
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(configurationJson))).Build();
        var services = new ServiceCollection();
        var checkpoint = FixturePaths.Checkpoint("gpt2-tiny");
        services.AddGpt2Kit(configuration).AddGpt2Model(checkpoint);
        services.AddSingleton<ITokenizer>(Gpt2Tokenizer.FromFolder(checkpoint));
        return services.BuildServiceProvider();
    }

    /// <summary>JSON for a path inside a JSON string.</summary>
    public static string Escape(string path) => path.Replace("\\", "\\\\", StringComparison.Ordinal);
}
