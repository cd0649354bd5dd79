using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Gpt2Kit.ML.Pipeline;

/// <summary>An output column of a step: its name and type (text or a float feature).</summary>
/// <param name="Name">The column name.</param>
/// <param name="Type"><see cref="TextDataViewType"/> or <see cref="NumberDataViewType.Single"/>.</param>
internal sealed record OutputColumn(string Name, DataViewType Type)
{
    public static OutputColumn Text(string name) => new(name, TextDataViewType.Instance);

    public static OutputColumn Single(string name) => new(name, NumberDataViewType.Single);
}

/// <summary>The one place that checks a step's columns against a schema, so that <c>Fit</c>, <c>GetOutputSchema</c> (of the
/// estimator and of the transformer) and <c>Transform</c> fail alike, naming the column, the step and what was expected.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class StepColumns
{
    /// <summary>Checks the output names among themselves and against the inputs (before any data is seen).</summary>
    public static void CheckNames(string step, IReadOnlyList<string> inputs, IReadOnlyList<OutputColumn> outputs)
    {
        foreach (var input in inputs)
        {
            if (string.IsNullOrWhiteSpace(input))
            {
                throw new ArgumentException($"{step}: an input column name is empty.");
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            if (string.IsNullOrWhiteSpace(output.Name))
            {
                throw new ArgumentException($"{step}: an output column name is empty.");
            }

            if (!seen.Add(output.Name))
            {
                throw new ArgumentException($"{step}: two output columns are named '{output.Name}'; give each output its own name.");
            }

            if (inputs.Contains(output.Name, StringComparer.Ordinal))
            {
                throw new ArgumentException(
                    $"{step}: the output column '{output.Name}' has the name of the input column it reads; choose another output name.");
            }
        }
    }

    /// <summary>Finds each input column in <paramref name="schema"/> and checks that it holds text.</summary>
    /// <returns>The input columns, in the order of <paramref name="inputs"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or is not a text scalar (ML.NET's schema mismatch).</exception>
    public static DataViewSchema.Column[] FindInputs(string step, DataViewSchema schema, IReadOnlyList<string> inputs)
    {
        var columns = new DataViewSchema.Column[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
        {
            var column = schema.GetColumnOrNull(inputs[i]) ?? throw new ArgumentOutOfRangeException(
                nameof(schema), $"{step}: schema mismatch for input column '{inputs[i]}': not found (the data has {Describe(schema)}).");
            if (column.Type is not TextDataViewType)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(schema), $"{step}: schema mismatch for input column '{inputs[i]}': expected String (text), got {column.Type}.");
            }

            columns[i] = column;
        }

        return columns;
    }

    /// <summary>The estimator's check: the same rules on a <see cref="SchemaShape"/>.</summary>
    public static void CheckShape(string step, SchemaShape shape, IReadOnlyList<string> inputs)
    {
        foreach (var input in inputs)
        {
            var found = shape.Where(c => c.Name == input).Select(c => (SchemaShape.Column?)c).LastOrDefault();
            if (found is not { } column)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(shape), $"{step}: schema mismatch for input column '{input}': not found (the data has {Describe(shape.Select(c => c.Name))}).");
            }

            if (column.Kind != SchemaShape.Column.VectorKind.Scalar || column.ItemType is not TextDataViewType)
            {
                string got = column.Kind == SchemaShape.Column.VectorKind.Scalar ? $"{column.ItemType}" : $"a vector of {column.ItemType}";
                throw new ArgumentOutOfRangeException(
                    nameof(shape), $"{step}: schema mismatch for input column '{input}': expected String (text), got {got}.");
            }
        }
    }

    /// <summary>The input schema with the outputs added after it (an output hides an earlier column of the same name, as in
    /// every ML.NET transform).</summary>
    public static DataViewSchema AddOutputs(DataViewSchema input, IReadOnlyList<OutputColumn> outputs)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        foreach (var output in outputs)
        {
            builder.AddColumn(output.Name, output.Type);
        }

        return builder.ToSchema();
    }

    /// <summary>The estimator's output shape: the input shape with the outputs added.</summary>
    /// <param name="input">The input shape; it holds <paramref name="textColumn"/>, a text scalar.</param>
    /// <param name="textColumn">An input text column to derive the output columns' shapes from.</param>
    /// <param name="outputs">The outputs.</param>
    public static SchemaShape AddOutputs(SchemaShape input, string textColumn, IReadOnlyList<OutputColumn> outputs)
    {
        // SchemaShape.Column has no public constructor, so each output's shape comes from a stock estimator that makes a
        // column of the same type from a text column: a copy for text, a conversion for a float.
        var ml = new MLContext();
        var shape = input;
        foreach (var output in outputs)
        {
            IEstimator<ITransformer> maker = output.Type is TextDataViewType
                ? ml.Transforms.CopyColumns(output.Name, textColumn)
                : ml.Transforms.Conversion.ConvertType(output.Name, textColumn, DataKind.Single);
            shape = maker.GetOutputSchema(shape);
        }

        return shape;
    }

    private static string Describe(DataViewSchema schema) =>
        Describe(schema.Where(c => !c.IsHidden).Select(c => c.Name));

    private static string Describe(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "no columns" : string.Create(CultureInfo.InvariantCulture, $"the columns {string.Join(", ", list.Select(n => $"'{n}'"))}");
    }
}
