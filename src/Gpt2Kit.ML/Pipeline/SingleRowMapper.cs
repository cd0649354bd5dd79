using Microsoft.ML;
using Microsoft.ML.Data;

namespace Gpt2Kit.ML.Pipeline;

/// <summary>A <see cref="BatchedTextTransformer"/> one row at a time, for prediction engines: the row's outputs are
/// computed on the first read of an output column and kept until the input moves to another row.</summary>
/// <remarks>Immutable; thread-safe. Each row it hands out belongs to one thread, as ML.NET rows do.</remarks>
internal sealed class SingleRowMapper : IRowToRowMapper
{
    private readonly BatchedTextTransformer _step;
    private readonly DataViewSchema.Column[] _inputs;

    public SingleRowMapper(DataViewSchema inputSchema, BatchedTextTransformer step)
    {
        _step = step;
        _inputs = StepColumns.FindInputs(step.StepName, inputSchema, step.InputColumns);
        InputSchema = inputSchema;
        OutputSchema = StepColumns.AddOutputs(inputSchema, step.OutputColumns);
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        ArgumentNullException.ThrowIfNull(dependingColumns);
        int passThrough = InputSchema.Count;
        var needed = dependingColumns.Where(c => c.Index < passThrough).Select(c => InputSchema[c.Index]).ToList();
        if (dependingColumns.Any(c => c.Index >= passThrough))
        {
            needed.AddRange(_inputs.Where(i => needed.All(n => n.Index != i.Index)));
        }

        return needed;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(activeColumns);
        return new Row(this, input, activeColumns.Select(c => c.Index).ToHashSet());
    }

    private sealed class Row(SingleRowMapper mapper, DataViewRow input, HashSet<int> active) : DataViewRow
    {
        private ValueGetter<ReadOnlyMemory<char>>[]? _getters;
        private object[]? _outputs;
        private long _outputsPosition = -1;

        public override DataViewSchema Schema => mapper.OutputSchema;

        public override long Position => input.Position;

        public override long Batch => input.Batch;

        public override bool IsColumnActive(DataViewSchema.Column column) => column.Index < mapper.InputSchema.Count
            ? input.IsColumnActive(mapper.InputSchema[column.Index])
            : active.Contains(column.Index);

        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int passThrough = mapper.InputSchema.Count;
            if (column.Index < passThrough)
            {
                return input.GetGetter<TValue>(mapper.InputSchema[column.Index]);
            }

            int output = column.Index - passThrough;
            var type = mapper._step.OutputColumns[output].Type;
            if (typeof(TValue) != type.RawType)
            {
                throw new InvalidOperationException($"Column '{column.Name}' holds {type}; it cannot be read as {typeof(TValue).Name}.");
            }

            return (ref TValue value) => value = (TValue)Outputs()[output];
        }

        private object[] Outputs()
        {
            // A prediction engine reuses one row object and moves its input, sometimes without changing Position, so the
            // cache is only trusted for a real (non-negative) position.
            if (_outputs is null || input.Position < 0 || input.Position != _outputsPosition)
            {
                _getters ??= mapper._inputs.Select(input.GetGetter<ReadOnlyMemory<char>>).ToArray();
                var values = new string[_getters.Length];
                for (int i = 0; i < values.Length; i++)
                {
                    ReadOnlyMemory<char> text = default;
                    _getters[i](ref text);
                    values[i] = text.ToString();
                }

                _outputs = mapper._step.Compute([values])[0];
                _outputsPosition = input.Position;
            }

            return _outputs;
        }
    }
}
