using Microsoft.ML;
using Microsoft.ML.Data;

namespace Gpt2Kit.ML.Pipeline;

/// <summary>The lazy output of a <see cref="BatchedTextTransformer"/>: the input's columns followed by the step's outputs.</summary>
/// <remarks>Immutable; thread-safe (each cursor has its own state). A cursor that reads an output column walks the input
/// twice in step: a look-ahead cursor reads only the step's input columns, <see cref="BatchedTextTransformer.BatchSize"/>
/// rows at a time, and the main cursor passes every other column through row by row. ML.NET data views give the same
/// rows in the same order to every unshuffled cursor, which is what keeps the two in step.</remarks>
internal sealed class BatchedDataView : IDataView
{
    private readonly IDataView _source;
    private readonly BatchedTextTransformer _step;
    private readonly DataViewSchema.Column[] _inputs;

    public BatchedDataView(IDataView source, BatchedTextTransformer step)
    {
        _source = source;
        _step = step;
        _inputs = StepColumns.FindInputs(step.StepName, source.Schema, step.InputColumns);
        Schema = StepColumns.AddOutputs(source.Schema, step.OutputColumns);
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        int passThrough = _source.Schema.Count;
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        var sourceColumns = needed.Where(i => i < passThrough).Select(i => _source.Schema[i]).ToList();
        bool computes = needed.Any(i => i >= passThrough);
        var main = _source.GetRowCursor(sourceColumns);
        var ahead = computes ? _source.GetRowCursor(_inputs) : null;
        return new Cursor(this, main, ahead, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchedDataView _view;
        private readonly DataViewRowCursor _main;
        private readonly DataViewRowCursor? _ahead;
        private readonly ValueGetter<ReadOnlyMemory<char>>[] _aheadGetters;
        private readonly HashSet<int> _active;
        private object[][] _batch = [];
        private long _batchStart;

        public Cursor(BatchedDataView view, DataViewRowCursor main, DataViewRowCursor? ahead, HashSet<int> active)
        {
            _view = view;
            _main = main;
            _ahead = ahead;
            _active = active;
            _aheadGetters = ahead is null ? [] : view._inputs.Select(ahead.GetGetter<ReadOnlyMemory<char>>).ToArray();
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _main.Position;

        public override long Batch => _main.Batch;

        public override bool MoveNext() => _main.MoveNext();

        public override bool IsColumnActive(DataViewSchema.Column column) => column.Index < _view._source.Schema.Count
            ? _main.IsColumnActive(_view._source.Schema[column.Index])
            : _active.Contains(column.Index);

        public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int passThrough = _view._source.Schema.Count;
            if (column.Index < passThrough)
            {
                return _main.GetGetter<TValue>(_view._source.Schema[column.Index]);
            }

            if (!_active.Contains(column.Index))
            {
                throw new InvalidOperationException($"Column '{column.Name}' was not asked for when the cursor was created.");
            }

            int output = column.Index - passThrough;
            var type = _view._step.OutputColumns[output].Type;
            if (typeof(TValue) != type.RawType)
            {
                throw new InvalidOperationException($"Column '{column.Name}' holds {type}; it cannot be read as {typeof(TValue).Name}.");
            }

            return (ref TValue value) => value = (TValue)Current()[output];
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _main.Dispose();
                _ahead?.Dispose();
            }

            base.Dispose(disposing);
        }

        /// <summary>The outputs of the current row, computing the batch that starts here when the row is not in the last one.</summary>
        private object[] Current()
        {
            long position = _main.Position;
            if (position < 0)
            {
                throw new InvalidOperationException("The cursor is not on a row: call MoveNext first.");
            }

            if (position < _batchStart || position >= _batchStart + _batch.Length)
            {
                _batchStart = position;
                _batch = _view._step.Compute(ReadAhead(position));
            }

            return _batch[position - _batchStart];
        }

        /// <summary>Reads the inputs of up to BatchSize rows from <paramref name="position"/> on, skipping rows whose outputs
        /// were never read.</summary>
        private List<string[]> ReadAhead(long position)
        {
            var ahead = _ahead!;
            while (ahead.Position < position)
            {
                if (!ahead.MoveNext())
                {
                    throw new InvalidOperationException("The input data gave fewer rows to a second cursor than to the first; it must give the same rows in the same order.");
                }
            }

            var rows = new List<string[]>(_view._step.BatchSize);
            do
            {
                var values = new string[_aheadGetters.Length];
                for (int i = 0; i < values.Length; i++)
                {
                    ReadOnlyMemory<char> text = default;
                    _aheadGetters[i](ref text);
                    values[i] = text.ToString();
                }

                rows.Add(values);
            }
            while (rows.Count < _view._step.BatchSize && ahead.MoveNext());

            return rows;
        }
    }
}
