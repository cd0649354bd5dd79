// Sample: appsettings.json drives the processor chain, the search strategy and the defaults. Any value can be overridden
// from the environment (Gpt2Kit__Generation__seed=7) or the command line (--Gpt2Kit:Search=greedy).
using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

try
{
    var configuration = new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json")
        .AddEnvironmentVariables()
        .AddCommandLine(args)
        .Build();

    // Gpt2Kit:Model (a folder, demo or a Hugging Face name) if set; else gpt2 from the Hugging Face cache, else demo.
    var model = FindModel(Gpt2KitConfiguration.ReadModel(Gpt2KitConfiguration.GetSection(configuration)));
    var services = new ServiceCollection();
    services.AddGpt2Kit(configuration).AddGpt2Model(model);

    // Building the generator binds and validates the configuration: a wrong value fails here, naming its path.
    await using var provider = services.BuildServiceProvider();
    var generator = provider.GetRequiredService<ITextGenerator>();

    var prompt = configuration["Prompt"] ?? "Hello";
    var result = await generator.GenerateAsync(GenerationRequest.FromText(prompt));
    Console.WriteLine($"model:      {model}");
    Console.WriteLine($"processors: {string.Join(" -> ", result.Processors)}");
    Console.WriteLine($"prompt:     {prompt}");
    Console.WriteLine($"generated:  {result.Texts[0]}");
    Console.WriteLine($"token ids:  [{string.Join(", ", result.Sequences[0].Skip(result.PromptLength))}]");
    return 0;
}
catch (Exception e) when (e is GenerationConfigurationException or Gpt2Kit.Hub.HuggingFaceHubException or DirectoryNotFoundException or FileNotFoundException or InvalidDataException or Gpt2Kit.Models.ModelLoadException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

// A relative folder is looked up from the current folder upwards, so `dotnet run` works from the sample's folder; names
// (demo, gpt2) and anything else go through the usual resolution.
static string FindModel(string? value) => value is not null && !Gpt2Kit.Hub.DemoModel.IsName(value) && !Path.IsPathRooted(value) && SampleModel.FindAbove(value) is { } folder
    ? folder
    : SampleModel.Resolve(value);
