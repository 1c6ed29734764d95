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

/// <summary>A column whose every row has a value: integers, booleans, timestamps (REQUIRED in the schema).</summary>
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
internal sealed class OptionalColumn<T>(DataField field) : ParquetColumn(field) where T : struct
{
    private T?[] _values = [];

    /// <summary>The values of the row group being filled, by row; null where the row has none.</summary>
    public T?[] Values => _values;

    public override void Allocate(int rows) => _values = new T?[rows];

    public override Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken cancellation) =>
        group.WriteAsync(Field, new ReadOnlyMemory<T?>(_values, 0, count), null, null, cancellation);
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

/// <summary>Makes the columns of the tables, with the types every reader (DuckDB, ClickHouse, Spark, pandas) maps alike.</summary>
internal static class Columns
{
    public static RequiredColumn<long> Int64(string name) => new(new DataField<long>(name, false));
    public static OptionalColumn<long> OptionalInt64(string name) => new(new DataField<long?>(name, true));
    public static RequiredColumn<bool> Boolean(string name) => new(new DataField<bool>(name, false));
    public static StringColumn String(string name, bool required = false) => new(new DataField<string>(name, !required));

    /// <summary>
    /// TIMESTAMP(MICROS, UTC): Spark reads no NANOS timestamp, and the trace's 100 ns are in the <c>_ns</c> column beside it.
    /// </summary>
    public static RequiredColumn<DateTime> Timestamp(string name) =>
        new(new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false));

    /// <inheritdoc cref="Timestamp"/>
    public static OptionalColumn<DateTime> OptionalTimestamp(string name) =>
        new(new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true));
}
