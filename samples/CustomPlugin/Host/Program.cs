// Sample host: loads every plugin under ./plugins (one subfolder per plugin), lists what they registered, and generates
// with the sample plugin's ban_digits processor in the chain.
//   dotnet run [-- MODEL [PROMPT]]   (try: -- gpt2 "In 1999 there were"; the demo checkpoint never writes digits anyway)
using Gpt2Kit.Decoding;
using Gpt2Kit.Plugins;
using Microsoft.Extensions.DependencyInjection;

var model = SampleModel.Resolve(args.FirstOrDefault());
var prompt = args.Length > 1 ? args[1] : "One day, Lily found a";
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
    var options = new GenerationOptions { Strategy = "sample", Seed = 5, MaxNewTokens = 24, Processors = chain };
    var result = await generator.GenerateAsync(GenerationRequest.FromText(prompt, options));
    Console.WriteLine($"[{string.Join(", ", result.Processors)}] {result.Texts[0]}");
}
