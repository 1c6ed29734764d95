using Parquet;
using Parquet.Schema;

namespace Sockscope.Sinks.Parquet;

/// <summary>
/// One table written as one Parquet file, row group by row group, under a temporary name (<c>.NAME.parquet.partial</c>)
/// until <see cref="Publish"/> gives it its own: a file named <c>NAME.parquet</c> is always whole.
/// </summary>
/// <remarks>
/// A full row group is encoded and compressed on a thread of the pool while the caller fills the next: Parquet.Net's
/// work and the filling take about as long as each other, and the caller's thread was the export's slowest. One row
/// group is written at a time, in order; a failure to write one is thrown by the next call that fills or completes.
/// </remarks>
internal sealed class ParquetTable : IDisposable
{
    private readonly ParquetColumn[] _columns;
    private readonly int _rowGroupRows;
    private readonly FileStream _file;
    private readonly ParquetWriter _writer;
    private readonly CancellationToken _cancellation;
    private Task _writing = Task.CompletedTask;
    private bool _completed, _published;

    public ParquetTable(string directory, string name, ParquetColumn[] columns, int rowGroupRows, CancellationToken cancellation)
    {
        _columns = columns;
        _rowGroupRows = rowGroupRows;
        _cancellation = cancellation;
        FinalPath = Path.Combine(directory, name + ".parquet");
        TemporaryPath = Path.Combine(directory, "." + name + ".parquet.partial");
        foreach (var c in columns) c.Allocate(rowGroupRows);
        _file = ParquetWriteException.Guard(Path.GetFileName(TemporaryPath),
            () => new FileStream(TemporaryPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16));
        try
        {
            var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy };
            _writer = Wait(ParquetWriter.CreateAsync(new ParquetSchema(columns.Select(c => (Field)c.Field)), _file, options, append: false, cancellation));
        }
        catch
        {
            _file.Dispose();
            File.Delete(TemporaryPath);
            throw;
        }
    }

    /// <summary>Where the file is while it is written.</summary>
    public string TemporaryPath { get; }

    /// <summary>Where the file is once published.</summary>
    public string FinalPath { get; }

    /// <summary>The index of the row being filled in the columns' <c>Values</c>.</summary>
    public int Row { get; private set; }

    /// <summary>Rows written (and being filled) so far.</summary>
    public long Count { get; private set; }

    /// <summary>Ends the row being filled; a full row group goes to the file.</summary>
    public void EndRow()
    {
        Row++;
        Count++;
        if (Row == _rowGroupRows) Flush();
    }

    /// <summary>Writes the last row group and the file's footer, still under the temporary name.</summary>
    public void Complete() => ParquetWriteException.Guard(Path.GetFileName(TemporaryPath), () =>
    {
        if (Row > 0 || Count == 0) Flush();
        Wait(_writing);
        // The footer is written here.
        Wait(_writer.DisposeAsync().AsTask());
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        _completed = true;
    });

    /// <summary>Gives the completed file its name.</summary>
    public void Publish()
    {
        if (!_completed) throw new InvalidOperationException("the table is not complete");
        ParquetWriteException.Guard(Path.GetFileName(FinalPath), () => File.Move(TemporaryPath, FinalPath, overwrite: false));
        _published = true;
    }

    /// <summary>Hands the filled row group to be written once the one before it is, and starts the next.</summary>
    private void Flush()
    {
        ParquetWriteException.Guard(Path.GetFileName(TemporaryPath), () => Wait(_writing));
        foreach (var c in _columns) c.Swap();
        int rows = Row;
        Row = 0;
        _writing = Task.Run(() => WriteRowGroupAsync(rows), _cancellation);
    }

    private async Task WriteRowGroupAsync(int rows)
    {
        using var group = _writer.CreateRowGroup();
        foreach (var c in _columns) await c.WriteAsync(group, rows, _cancellation).ConfigureAwait(false);
        group.CompleteValidate();
    }

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();
    private static void Wait(Task task) => task.GetAwaiter().GetResult();

    /// <summary>Closes the file; one never published is deleted.</summary>
    public void Dispose()
    {
        if (!_completed)
        {
            // The row group being written uses the file; whatever became of it, it must end before the file closes.
            _writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
            // The file is deleted: what its footer would have said no longer matters, only that the handle closes.
            try { Wait(_writer.DisposeAsync().AsTask()); } catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException) { }
            _file.Dispose();
        }
        if (!_published) File.Delete(TemporaryPath);
    }
}
