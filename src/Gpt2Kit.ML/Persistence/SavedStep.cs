using Gpt2Kit.ML.Generation;
using Gpt2Kit.ML.Models;
using Gpt2Kit.ML.Pipeline;
using Gpt2Kit.ML.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Gpt2Kit.ML.Persistence;

/// <summary>How a Gpt2Kit step is saved and found again. ML.NET's <see cref="ModelSaveContext"/> can only be written by
/// ML.NET's own transforms, so a step hands it to a chain of stock transforms that save themselves and together carry
/// the step:</summary>
/// <remarks>
/// <list type="number">
/// <item>copy the input columns to fixed names (<c>__Gpt2Kit_Input</c>, <c>__Gpt2Kit_Prompt</c>);</item>
/// <item>an <c>Expression</c> transform that yields the step's settings (<see cref="StepSettings"/>, as Base64 JSON) in
/// <c>__Gpt2Kit_Settings</c> — the settings are the expression's saved text;</item>
/// <item>a <c>CustomMapping</c> under the contract <see cref="ContractName"/> (<see cref="TextStepMappingFactory"/>) that
/// computes the outputs into fixed columns, one row at a time;</item>
/// <item>copies of those to the step's output names, and a drop of the fixed-name columns.</item>
/// </list>
/// <para>A plain <c>mlContext.Model.Load</c> (after <c>ComponentCatalog.RegisterAssembly</c> of this assembly) gives that
/// chain, which works as it is, one row at a time, with the saved settings. <see cref="Restore"/> (what
/// <c>mlContext.Model.LoadWithBatching</c> calls) puts the batched step back in its place. Stateless; thread-safe.</para>
/// </remarks>
internal static class SavedStep
{
    public const string ContractName = "Gpt2Kit.TextStep";
    public const string InputColumn = "__Gpt2Kit_Input";
    public const string PromptColumn = "__Gpt2Kit_Prompt";
    public const string SettingsColumn = "__Gpt2Kit_Settings";

    /// <summary>Fixed output columns of the mapping: text outputs fill <see cref="TextSlots"/>, float outputs
    /// <see cref="NumberSlots"/>, in the step's order.</summary>
    public static readonly string[] TextSlots = ["__Gpt2Kit_Text0", "__Gpt2Kit_Text1"];

    public static readonly string[] NumberSlots = ["__Gpt2Kit_Number0", "__Gpt2Kit_Number1", "__Gpt2Kit_Number2"];

    public static string RequireReference(string step, string? reference) => reference ?? throw new InvalidOperationException(
        $"This {step} step was built over a generator instance, so a saved model could not find it again. Build the step from a model "
        + $"folder or Hugging Face name, or register the generator with {nameof(TextGeneratorRegistry)}.{nameof(TextGeneratorRegistry.Register)}(name, generator) before building it.");

    public static Dictionary<string, string> Roles(params (string Role, string? Column)[] roles) =>
        roles.Where(r => r.Column is not null).ToDictionary(r => r.Role, r => r.Column!);

    public static void Save(BatchedTextTransformer step, ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var settings = step.Settings;
        var ml = new MLContext();
        var inputs = step.InputColumns;
        var slots = Slots(step.OutputColumns);
        // One flat chain, so that a loaded model holds the step as one chain of these parts (Restore looks for it).
        var envelope = new EstimatorChain<ITransformer>()
            .Append<ITransformer>(ml.Transforms.CopyColumns(InputColumn, inputs[0]))
            .Append<ITransformer>(ml.Transforms.CopyColumns(PromptColumn, inputs.Count > 1 ? inputs[1] : inputs[0]))
            .Append<ITransformer>(ml.Transforms.Expression(SettingsColumn, $"x : \"{settings.ToBase64()}\"", InputColumn))
            .Append<ITransformer>(ml.Transforms.CustomMapping(new TextStepMappingFactory().GetMapping(), ContractName));
        for (int i = 0; i < slots.Length; i++)
        {
            envelope = envelope.Append<ITransformer>(ml.Transforms.CopyColumns(step.OutputColumns[i].Name, slots[i]));
        }

        var fitted = envelope.Append<ITransformer>(ml.Transforms.DropColumns([InputColumn, PromptColumn, SettingsColumn, .. TextSlots, .. NumberSlots]))
            .Fit(EmptyInput(ml, inputs));
        ((ICanSaveModel)fitted).Save(ctx);
    }

    /// <summary>The fixed mapping column of each output, in order.</summary>
    public static string[] Slots(IReadOnlyList<OutputColumn> outputs)
    {
        int texts = 0, numbers = 0;
        return [.. outputs.Select(o => o.Type is TextDataViewType ? TextSlots[texts++] : NumberSlots[numbers++])];
    }

    /// <summary>Rebuilds a step from its settings.</summary>
    public static BatchedTextTransformer FromSettings(StepSettings settings) => settings.Step switch
    {
        GenerateTextTransformer.Name => GenerateTextTransformer.FromSettings(settings),
        ScoreTextTransformer.Name => ScoreTextTransformer.FromSettings(settings),
        _ => throw new InvalidDataException($"The saved model holds an unknown Gpt2Kit step '{settings.Step}'."),
    };

    /// <summary>Replaces every saved step in a loaded model (at any depth of its chains) by the batched step it stands for.</summary>
    public static ITransformer Restore(ITransformer model)
    {
        if (model is not TransformerChain<ITransformer> chain)
        {
            return model;
        }

        var parts = chain.ToArray();
        if (parts.Any(p => p is CustomMappingTransformer<TextStepInput, TextStepOutput>))
        {
            var expression = parts.OfType<ExpressionTransformer>().Single();
            return FromSettings(ReadSettings(expression));
        }

        var restored = parts.Select(Restore).ToArray();
        return restored.SequenceEqual(parts) ? chain : new TransformerChain<ITransformer>(restored);
    }

    private static StepSettings ReadSettings(ExpressionTransformer expression)
    {
        var ml = new MLContext();
        var probe = ml.Data.LoadFromEnumerable([new SettingsProbe()]);
        string text = expression.Transform(probe).GetColumn<string>(SettingsColumn).Single();
        return StepSettings.FromBase64(text);
    }

    private static IDataView EmptyInput(MLContext ml, IReadOnlyList<string> inputs)
    {
        var definition = SchemaDefinition.Create(typeof(EmptyRow));
        definition[0].ColumnName = inputs[0];
        definition[1].ColumnName = inputs.Count > 1 ? inputs[1] : "__Gpt2Kit_Unused";
        return ml.Data.LoadFromEnumerable(Array.Empty<EmptyRow>(), definition);
    }

    private sealed class EmptyRow
    {
        public string First { get; set; } = "";

        public string Second { get; set; } = "";
    }

    private sealed class SettingsProbe
    {
        [ColumnName(InputColumn)]
        public string Input { get; set; } = "";
    }
}
