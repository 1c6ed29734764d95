using System.Text;
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
/// Kept as the file stores it, the values present and a definition level per row, filled as the rows are: Parquet.Net
/// 6.1.0's writer of nullable values writes a MICROS timestamp in milliseconds, its writer of present values does not,
/// and nothing is left to gather when the row group is written.
/// </remarks>
internal sealed class OptionalColumn<T>(DataField field) : ParquetColumn(field) where T : struct
{
    private T[] _present = [];
    private int[] _levels = [];
    private int _count;

    public override void Allocate(int rows)
    {
        _present = new T[rows];
        _levels = new int[rows];
    }

    /// <summary>Gives <paramref name="row"/> its value, or none; rows are set in order, each once.</summary>
    public void Set(int row, T? value)
    {
        if (value is not { } v) return;
        _present[_count++] = v;
        _levels[row] = 1;
    }

    public override async Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken cancellation)
    {
        await group.WriteAllPartsAsync(Field, new ReadOnlyMemory<T>(_present, 0, _count), new ReadOnlyMemory<int>(_levels, 0, count), null, cancellation)
            .ConfigureAwait(false);
        Array.Clear(_levels, 0, count);
        _count = 0;
    }
}

/// <summary>A UTF-8 string column (OPTIONAL unless made required).</summary>
/// <remarks>
/// Values are handed to Parquet.Net as the <see cref="ReadOnlyMemory{T}"/> of chars it encodes, not as strings: a
/// value that repeats is a slice of one cached string, and one made per row (an event's time) is a slice of the row
/// group's char buffer, reused for every row group, so an event costs no string.
/// </remarks>
internal sealed class StringColumn(DataField field) : ParquetColumn(field)
{
    private ReadOnlyMemory<char>[] _present = [];
    private int[] _levels = [];
    private int _count;
    private char[] _chars = new char[1 << 12];
    private int _charsUsed;

    public override void Allocate(int rows)
    {
        _present = new ReadOnlyMemory<char>[rows];
        _levels = new int[rows];
    }

    /// <summary>Gives <paramref name="row"/> its value, or none; rows are set in order, each once.</summary>
    public void Set(int row, string? value)
    {
        if (value is null) return;
        Set(row, value.AsMemory());
    }

    /// <summary>Gives <paramref name="row"/> a copy of <paramref name="utf8"/>, kept until the row group is written.</summary>
    public void SetCopy(int row, ReadOnlySpan<byte> utf8)
    {
        // UTF-8 never takes fewer bytes than UTF-16 takes chars.
        if (_chars.Length - _charsUsed < utf8.Length)
        {
            // Rows set already keep the old buffer alive through their slices; the new one serves every later row group.
            _chars = new char[Math.Max(_chars.Length * 2, utf8.Length)];
            _charsUsed = 0;
        }
        int n = Encoding.UTF8.GetChars(utf8, _chars.AsSpan(_charsUsed));
        Set(row, new ReadOnlyMemory<char>(_chars, _charsUsed, n));
        _charsUsed += n;
    }

    private void Set(int row, ReadOnlyMemory<char> value)
    {
        _present[_count++] = value;
        _levels[row] = 1;
    }

    public override async Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken cancellation)
    {
        var values = new ReadOnlyMemory<ReadOnlyMemory<char>>(_present, 0, _count);
        if (Field.IsNullable)
            await group.WriteAllPartsAsync(Field, values, new ReadOnlyMemory<int>(_levels, 0, count), null, cancellation).ConfigureAwait(false);
        else if (_count != count)
            throw new InvalidOperationException($"the required column {Field.Name} has {_count} values for {count} rows");
        else
            await group.WriteAsync(Field, values, null, null, cancellation).ConfigureAwait(false);
        // Let go of the row group's values (a long text of each event) before the next fills.
        Array.Clear(_present, 0, _count);
        Array.Clear(_levels, 0, count);
        _count = 0;
        _charsUsed = 0;
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
