// Sample host: loads every plugin under ./plugins (one subfolder per plugin), lists what they registered, and generates
// with the sample plugin's ban_digits processor in the chain.
using Gpt2Kit.Decoding;
using Gpt2Kit.Plugins;
using Microsoft.Extensions.DependencyInjection;

var model = args.Length > 0 ? args[0] : SampleModel.TinyCheckpoint();
var pluginsFolder = Path.Combine(AppContext.BaseDirectory, "plugins");

var services = new ServiceCollection();
services.AddGpt2Kit().AddGpt2Model(model).AddPluginsFrom(pluginsFolder);
await using var provider = services.BuildServiceProvider();

var report = provider.GetRequiredService<PluginLoadReport>();
foreach (var plugin in report.Plugins)
{
    Console.WriteLine($"loaded {plugin.Name} {plugin.Version}: {string.Join(", ", plugin.Registrations.Select(r => $"{r.Kind} '{r.Name}'"))}");
}

foreach (var failure in report.Failures)
{
    Console.WriteLine($"failed {failure}");
}

var generator = provider.GetRequiredService<ITextGenerator>();
foreach (var chain in new[] { Array.Empty<ProcessorSpec>(), [ProcessorSpec.Create("ban_digits")] })
{
    var options = new GenerationOptions { Strategy = "sample", Seed = 5, MaxNewTokens = 16, Processors = chain };
    var result = await generator.GenerateAsync(GenerationRequest.FromText("In 1999 there were", options));
    Console.WriteLine($"[{string.Join(", ", result.Processors)}] {result.Texts[0]}");
}
