using Parquet;
using Parquet.Schema;

namespace Sockscope.Sinks.Parquet;

/// <summary>
/// One column of a <see cref="ParquetTable"/>: its values for the row group being filled, in an array reused for every
/// row group, so a table's memory is its row group's whatever the trace's length.
/// </summary>
internal abstract class ParquetColumn
{
    protected ParquetColumn(DataField field) => Field = field;

    /// <summary>The column's name, type and nullability in the file's schema.</summary>
    public DataField Field { get; }

    /// <summary>Sizes the buffer for row groups of <paramref name="rows"/> rows.</summary>
    public abstract void Allocate(int rows);

    /// <summary>Writes the first <paramref name="count"/> values as this column's chunk of <paramref name="group"/>, and forgets them.</summary>
    public abstract Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken cancellation);
}

/// <summary>A column whose every row has a value: integers, booleans (REQUIRED in the schema).</summary>
internal sealed class RequiredColumn<T>(DataField field) : ParquetColumn(field) where T : struct
{
    private T[] _values = [];

    /// <summary>The values of the row group being filled, by row.</summary>
    public T[] Values => _values;

    public override void Allocate(int rows) => _values = new T[rows];

    public override Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken cancellation) =>
        group.WriteAsync(Field, new ReadOnlyMemory<T>(_values, 0, count), null, null, cancellation);
}

/// <summary>A column that may be null in a row (OPTIONAL in the schema).</summary>
/// <remarks>
/// Written as the values present and a definition level per row, the way the file stores them: Parquet.Net 6.1.0's
/// writer of nullable values writes a MICROS timestamp in milliseconds, its writer of present values does not.
/// </remarks>
internal sealed class OptionalColumn<T>(DataField field) : ParquetColumn(field) where T : struct
{
    private T?[] _values = [];
    private T[] _present = [];
    private int[] _levels = [];

    /// <summary>The values of the row group being filled, by row; null where the row has none.</summary>
    public T?[] Values => _values;

    public override void Allocate(int rows)
    {
        _values = new T?[rows];
        _present = new T[rows];
        _levels = new int[rows];
    }

    public override Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken cancellation)
    {
        int present = 0;
        for (int i = 0; i < count; i++)
        {
            if (_values[i] is { } v)
            {
                _present[present++] = v;
                _levels[i] = 1;
            }
            else _levels[i] = 0;
        }
        return group.WriteAllPartsAsync(Field, new ReadOnlyMemory<T>(_present, 0, present), new ReadOnlyMemory<int>(_levels, 0, count), null, cancellation);
    }
}

/// <summary>A UTF-8 string column (OPTIONAL unless made required).</summary>
internal sealed class StringColumn(DataField field) : ParquetColumn(field)
{
    private string?[] _values = [];

    /// <summary>The values of the row group being filled, by row; null where the row has none.</summary>
    public string?[] Values => _values;

    public override void Allocate(int rows) => _values = new string?[rows];

    public override async Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken cancellation)
    {
        await group.WriteAsync(Field, new ArraySegment<string>(_values!, 0, count), null).ConfigureAwait(false);
        // The strings are garbage once written: let them go before the next row group fills.
        Array.Clear(_values, 0, count);
    }
}

/// <summary>
/// Makes the columns of the tables, with the types every reader (DuckDB, ClickHouse, Spark, pandas) maps alike. Times are
/// ISO 8601 text as in SQLite, beside their <c>_ns</c> integers, not TIMESTAMP: Parquet.Net 6.1.0 writes a
/// TIMESTAMP(MICROS) column's statistics (and an optional one's values) in milliseconds, and DuckDB, which trusts the
/// statistics, then reads wrong instants.
/// </summary>
internal static class Columns
{
    public static RequiredColumn<long> Int64(string name) => new(new DataField<long>(name, false));
    public static OptionalColumn<long> OptionalInt64(string name) => new(new DataField<long?>(name, true));
    public static RequiredColumn<bool> Boolean(string name) => new(new DataField<bool>(name, false));
    public static StringColumn String(string name, bool required = false) => new(new DataField<string>(name, !required));


}
