using System.Collections.Concurrent;
using System.ComponentModel;
using Gpt2Kit.ML.Pipeline;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Gpt2Kit.ML.Persistence;

/// <summary>The input row of a saved Gpt2Kit step's <c>CustomMapping</c>; used by ML.NET, not meant for direct use.</summary>
/// <remarks>Mutable; one per row, not thread-safe.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TextStepInput
{
    /// <summary>The step's (first) input text.</summary>
    [ColumnName(SavedStep.InputColumn)] public string Input { get; set; } = "";

    /// <summary>The step's second input (the prompt of <c>ScoreText</c>), or a copy of the first.</summary>
    [ColumnName(SavedStep.PromptColumn)] public string Prompt { get; set; } = "";

    /// <summary>The step's settings (Base64 JSON).</summary>
    [ColumnName(SavedStep.SettingsColumn)] public string Settings { get; set; } = "";
}

/// <summary>The output row of a saved Gpt2Kit step's <c>CustomMapping</c>; used by ML.NET, not meant for direct use.</summary>
/// <remarks>Mutable; one per row, not thread-safe.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TextStepOutput
{
    /// <summary>First text output.</summary>
    [ColumnName("__Gpt2Kit_Text0")] public string Text0 { get; set; } = "";

    /// <summary>Second text output.</summary>
    [ColumnName("__Gpt2Kit_Text1")] public string Text1 { get; set; } = "";

    /// <summary>First float output.</summary>
    [ColumnName("__Gpt2Kit_Number0")] public float Number0 { get; set; }

    /// <summary>Second float output.</summary>
    [ColumnName("__Gpt2Kit_Number1")] public float Number1 { get; set; }

    /// <summary>Third float output.</summary>
    [ColumnName("__Gpt2Kit_Number2")] public float Number2 { get; set; }
}

/// <summary>Computes a saved Gpt2Kit step one row at a time, from the settings that travel in the row (see
/// <see cref="SavedStep"/>). ML.NET finds it by its contract name when a saved model is loaded, once
/// <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(TextStepMappingFactory).Assembly)</c> was called (or through
/// <c>mlContext.Model.LoadWithBatching</c>, which does it and brings batching back).</summary>
/// <remarks>Thread-safe: steps are rebuilt once per distinct settings and shared.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(SavedStep.ContractName)]
public sealed class TextStepMappingFactory : CustomMappingFactory<TextStepInput, TextStepOutput>
{
    private static readonly ConcurrentDictionary<string, Lazy<BatchedTextTransformer>> Steps = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public override Action<TextStepInput, TextStepOutput> GetMapping() => Map;

    private static void Map(TextStepInput input, TextStepOutput output)
    {
        var step = Steps.GetOrAdd(input.Settings, s => new Lazy<BatchedTextTransformer>(() => SavedStep.FromSettings(StepSettings.FromBase64(s)))).Value;
        string[] row = step.InputColumns.Count > 1 ? [input.Input, input.Prompt] : [input.Input];
        var values = step.Compute([row])[0];
        var slots = SavedStep.Slots(step.OutputColumns);
        for (int i = 0; i < values.Length; i++)
        {
            switch (slots[i])
            {
                case "__Gpt2Kit_Text0": output.Text0 = values[i].ToString()!; break;
                case "__Gpt2Kit_Text1": output.Text1 = values[i].ToString()!; break;
                case "__Gpt2Kit_Number0": output.Number0 = (float)values[i]; break;
                case "__Gpt2Kit_Number1": output.Number1 = (float)values[i]; break;
                default: output.Number2 = (float)values[i]; break;
            }
        }
    }
}
