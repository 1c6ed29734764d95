namespace Sockscope.Etl;

/// <summary>What kind of damage a problem reports.</summary>
public enum EtlProblemKind
{
    /// <summary>A buffer header that cannot be right (size, bounds, truncation).</summary>
    BadBuffer,
    /// <summary>A compressed buffer whose stream is damaged.</summary>
    BadCompression,
    /// <summary>A record that cannot be framed; the rest of its buffer is skipped.</summary>
    BadRecord,
    /// <summary>The file ends inside a buffer.</summary>
    Truncated,
    /// <summary>Bytes skipped while looking for the next buffer.</summary>
    Resynchronised,
    /// <summary>The reader had to give up exact time order for part of the file.</summary>
    OrderDegraded,
    /// <summary>A header value that is odd but not fatal.</summary>
    Inconsistent,
}

/// <summary>One problem found in a file: where (file and byte offset) and what.</summary>
/// <param name="File">The file's path.</param>
/// <param name="Offset">Byte offset in the file (of the buffer, or of the record in an uncompressed buffer).</param>
/// <param name="Kind">What kind of damage.</param>
/// <param name="Message">A sentence for a person.</param>
public sealed record EtlProblem(string File, long Offset, EtlProblemKind Kind, string Message)
{
    /// <summary>
    /// What exactly was wrong, with the values that explain it, where the reader knows (<see cref="Message"/> is made
    /// from it and what the reader did about it); null for problems of order and of JSON lines.
    /// </summary>
    internal EtlFault? Fault { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"{File}: offset {Offset} (0x{Offset:X}): {Message}";
}

/// <summary>Problems found so far and what they cost: kept in full up to a limit, counted always.</summary>
public sealed class EtlDiagnostics
{
    private readonly List<EtlProblem> _problems = new();
    private readonly int _keep;

    internal EtlDiagnostics(int keep) => _keep = keep;

    /// <summary>The first problems found, up to <see cref="EtlReaderOptions.MaxProblemsKept"/>.</summary>
    public IReadOnlyList<EtlProblem> Problems => _problems;
    /// <summary>All problems found, kept or not.</summary>
    public long ProblemCount { get; private set; }
    /// <summary>Buffers whose records were cut short or skipped.</summary>
    public long DamagedBuffers { get; internal set; }
    /// <summary>Bytes of the file that could not be read as records.</summary>
    public long BytesSkipped { get; internal set; }
    /// <summary>
    /// Records delivered after later ones because their buffer lay too far ahead in a stream to be merged in time
    /// (<see cref="EtlReaderOptions.StreamMergeBytes"/>); always 0 for a file.
    /// </summary>
    public long RecordsOutOfOrder { get; internal set; }

    /// <summary>Raised for every problem as it is found.</summary>
    public event Action<EtlProblem>? ProblemFound;

    internal void Report(EtlProblem problem)
    {
        ProblemCount++;
        if (_problems.Count < _keep) _problems.Add(problem);
        ProblemFound?.Invoke(problem);
    }
}

/// <summary>The file cannot be read as an ETL file at all (as opposed to damage inside one, which is reported).</summary>
public sealed class EtlFormatException : Exception
{
    /// <summary>The file's path.</summary>
    public string File { get; }
    /// <summary>Byte offset where reading failed.</summary>
    public long Offset { get; }

    /// <summary>Creates the exception.</summary>
    public EtlFormatException(string file, long offset, string message)
        : base($"{file}: offset {offset} (0x{offset:X}): {message}")
    {
        File = file;
        Offset = offset;
    }
}
