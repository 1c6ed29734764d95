using System.Text;
using Parquet;
using Parquet.Schema;

namespace Sockscope.Sinks.Parquet;

/// <summary>
/// One column of a <see cref="ParquetTable"/>: its values for the row group being filled, and those of the row group
/// being written meanwhile, in two buffers that trade places and are reused for every row group, so a table's memory
/// is two row groups' whatever the trace's length.
/// </summary>
internal abstract class ParquetColumn
{
    protected ParquetColumn(DataField field) => Field = field;

    /// <summary>The column's name, type and nullability in the file's schema.</summary>
    public DataField Field { get; }

    /// <summary>Sizes both buffers for row groups of <paramref name="rows"/> rows.</summary>
    public abstract void Allocate(int rows);

    /// <summary>Hands the values filled so far to <see cref="WriteAsync"/> and fills the other buffer (written already) from now on.</summary>
    public abstract void Swap();

    /// <summary>
    /// Writes the first <paramref name="count"/> values handed over by the last <see cref="Swap"/> as this column's chunk
    /// of <paramref name="group"/>, and forgets them.
    /// </summary>
    public abstract Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken cancellation);
}

/// <summary>A column whose every row has a value: integers, booleans (REQUIRED in the schema).</summary>
internal sealed class RequiredColumn<T>(DataField field) : ParquetColumn(field) where T : struct
{
    private T[] _values = [];
    private T[] _full = [];

    /// <summary>The values of the row group being filled, by row.</summary>
    public T[] Values => _values;

    public override void Allocate(int rows)
    {
        _values = new T[rows];
        _full = new T[rows];
    }

    public override void Swap() => (_values, _full) = (_full, _values);

    public override Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken cancellation) =>
        group.WriteAsync(Field, new ReadOnlyMemory<T>(_full, 0, count), null, null, cancellation);
}

/// <summary>A column that may be null in a row (OPTIONAL in the schema).</summary>
/// <remarks>
/// Kept as the file stores it, the values present and a definition level per row, filled as the rows are: Parquet.Net
/// 6.1.0's writer of nullable values writes a MICROS timestamp in milliseconds, its writer of present values does not,
/// and nothing is left to gather when the row group is written.
/// </remarks>
internal sealed class OptionalColumn<T>(DataField field) : ParquetColumn(field) where T : struct
{
    private Buffer _filling = new(0), _full = new(0);

    public override void Allocate(int rows)
    {
        _filling = new Buffer(rows);
        _full = new Buffer(rows);
    }

    /// <summary>Gives <paramref name="row"/> its value, or none; rows are set in order, each once.</summary>
    public void Set(int row, T? value)
    {
        if (value is not { } v) return;
        var b = _filling;
        b.Present[b.Count++] = v;
        b.Levels[row] = 1;
    }

    public override void Swap() => (_filling, _full) = (_full, _filling);

    public override async Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken cancellation)
    {
        var b = _full;
        await group.WriteAllPartsAsync(Field, new ReadOnlyMemory<T>(b.Present, 0, b.Count), new ReadOnlyMemory<int>(b.Levels, 0, count), null, cancellation)
            .ConfigureAwait(false);
        Array.Clear(b.Levels, 0, count);
        b.Count = 0;
    }

    private sealed class Buffer(int rows)
    {
        public readonly T[] Present = new T[rows];
        public readonly int[] Levels = new int[rows];
        public int Count;
    }
}

/// <summary>A UTF-8 string column (OPTIONAL unless made required).</summary>
/// <remarks>
/// Values are handed to Parquet.Net as the <see cref="ReadOnlyMemory{T}"/> of chars it encodes, not as strings: a
/// value that repeats is a slice of one cached string, and one made per row (an event's time) is a slice of the
/// buffer's chars, reused for every row group, so an event costs no string.
/// </remarks>
internal sealed class StringColumn(DataField field) : ParquetColumn(field)
{
    private Buffer _filling = new(0), _full = new(0);

    public override void Allocate(int rows)
    {
        _filling = new Buffer(rows);
        _full = new Buffer(rows);
    }

    /// <summary>Gives <paramref name="row"/> its value, or none; rows are set in order, each once.</summary>
    public void Set(int row, string? value)
    {
        if (value is not null) _filling.Add(row, value.AsMemory());
    }

    /// <summary>Gives <paramref name="row"/> a copy of <paramref name="utf8"/>, kept until the row group is written.</summary>
    public void SetCopy(int row, ReadOnlySpan<byte> utf8)
    {
        var b = _filling;
        // UTF-8 never takes fewer bytes than UTF-16 takes chars.
        if (b.Chars.Length - b.CharsUsed < utf8.Length)
        {
            // Rows set already keep the old chars alive through their slices; the new ones serve every later row group.
            b.Chars = new char[Math.Max(b.Chars.Length * 2, utf8.Length)];
            b.CharsUsed = 0;
        }
        int n = Encoding.UTF8.GetChars(utf8, b.Chars.AsSpan(b.CharsUsed));
        b.Add(row, new ReadOnlyMemory<char>(b.Chars, b.CharsUsed, n));
        b.CharsUsed += n;
    }

    public override void Swap() => (_filling, _full) = (_full, _filling);

    public override async Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken cancellation)
    {
        var b = _full;
        var values = new ReadOnlyMemory<ReadOnlyMemory<char>>(b.Present, 0, b.Count);
        if (Field.IsNullable)
            await group.WriteAllPartsAsync(Field, values, new ReadOnlyMemory<int>(b.Levels, 0, count), null, cancellation).ConfigureAwait(false);
        else if (b.Count != count)
            throw new InvalidOperationException($"the required column {Field.Name} has {b.Count} values for {count} rows");
        else
            await group.WriteAsync(Field, values, null, null, cancellation).ConfigureAwait(false);
        // Let go of the row group's values (a long text of each event) before the buffer fills again.
        Array.Clear(b.Present, 0, b.Count);
        Array.Clear(b.Levels, 0, count);
        b.Count = 0;
        b.CharsUsed = 0;
    }

    private sealed class Buffer(int rows)
    {
        public readonly ReadOnlyMemory<char>[] Present = new ReadOnlyMemory<char>[rows];
        public readonly int[] Levels = new int[rows];
        public int Count;
        public char[] Chars = rows == 0 ? [] : new char[1 << 12];
        public int CharsUsed;

        public void Add(int row, ReadOnlyMemory<char> value)
        {
            Present[Count++] = value;
            Levels[row] = 1;
        }
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
