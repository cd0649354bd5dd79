using Gpt2Kit.Decoding;
using Gpt2Kit.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gpt2Kit.Configuration;

/// <summary>The model's <c>generation_config.json</c> (<see cref="ModelInfo.GenerationConfigJson"/>) as the first layer over
/// Hugging Face's defaults, as <c>generate()</c> takes it: defaults ◄ the model's generation config ◄ the application's
/// settings ◄ the request.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class ModelGenerationDefaults
{
    /// <summary>Hugging Face's defaults with the model's generation config applied.</summary>
    public static GenerationOptions For(ModelInfo model)
    {
        var options = new GenerationOptions();
        ApplyTo(model, options);
        return options;
    }

    /// <summary>Applies the model's generation config to <paramref name="options"/>; errors name the model's file.</summary>
    public static void ApplyTo(ModelInfo model, GenerationOptions options)
    {
        if (model.GenerationConfigJson is { } json)
        {
            GenerationConfiguration.ApplyJson(json, $"{model.Name}/generation_config.json", options);
        }
    }

    /// <summary>The generator's defaults in a container: the registered options pipeline (configuration binding,
    /// validation) run over the model's defaults instead of over bare Hugging Face defaults, so the application's settings
    /// win over the model's. <c>IOptions&lt;GenerationOptions&gt;</c> itself stays model-free, so validating settings
    /// never loads a model.</summary>
    public static GenerationOptions Build(ModelInfo model, IServiceProvider services) => new ModelFirstFactory(
        model,
        services.GetServices<IConfigureOptions<GenerationOptions>>(),
        services.GetServices<IPostConfigureOptions<GenerationOptions>>(),
        services.GetServices<IValidateOptions<GenerationOptions>>()).Create(Options.DefaultName);

    private sealed class ModelFirstFactory(
        ModelInfo model,
        IEnumerable<IConfigureOptions<GenerationOptions>> setups,
        IEnumerable<IPostConfigureOptions<GenerationOptions>> postConfigures,
        IEnumerable<IValidateOptions<GenerationOptions>> validations)
        : OptionsFactory<GenerationOptions>(setups, postConfigures, validations)
    {
        protected override GenerationOptions CreateInstance(string name) => For(model);
    }
}
