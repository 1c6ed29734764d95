using System.Buffers.Binary;

namespace Sockscope.Etl;

/// <summary>What the start of a trace says of its session, and what was wrong with it.</summary>
/// <param name="Header">The logfile header, or defaults when it could not be read.</param>
/// <param name="PointerSize">The logfile header record's pointer size (8 when there is none).</param>
/// <param name="Timestamp">The logfile header record's raw time stamp (0 when there is none).</param>
/// <param name="Problems">Damage found in it, to report once the reader exists.</param>
internal sealed record LogfileHeaderReading(TraceLogfileHeader Header, int PointerSize, long Timestamp, IReadOnlyList<EtlProblem> Problems);

/// <summary>
/// Reads the logfile header record, the first record of the first buffer. It lies at 0x48 whatever the first buffer
/// header says, and its own size bounds it, so a damaged first buffer header does not hide it. A file whose logfile
/// header record is damaged too is still read when a buffer can be found in it, with the clock and session from
/// defaults; only a file without any buffer is not an ETL file.
/// </summary>
internal static class LogfileHeaderReader
{
    private const int RecordLimit = WmiBufferHeader.Size + ushort.MaxValue + 1;

    /// <exception cref="EtlFormatException">The file is empty, too short, or holds no buffer at all.</exception>
    public static LogfileHeaderReading Read(string path, TraceBytes file, EtlReaderOptions options)
    {
        if (file.Available(0, 1) == 0) throw new EtlFormatException(path, 0, "the file is empty");
        const int minimum = WmiBufferHeader.Size + KernelHeaderOffsets.SystemLength + TraceLogfileHeader.FixedSize32;
        long length = file.Available(0, minimum);
        if (length < minimum)
            throw new EtlFormatException(path, 0, $"too short for an ETL file ({length} bytes; a logfile header needs {minimum})");
        var bytes = new byte[file.Available(0, RecordLimit)];
        file.Read(bytes, 0);
        var why = TryRecord(bytes, out var header, out int pointerSize, out long stamp);
        if (why is null)
        {
            var problems = new List<EtlProblem>();
            if (!BufferHeaderCheck.IsBelievableSessionSize(header!.BufferSize, options.MaxBufferSize))
                problems.Add(new EtlProblem(path, WmiBufferHeader.Size, EtlProblemKind.Inconsistent,
                    $"the logfile header gives a session buffer size of {header.BufferSize} bytes, which no session has; buffers are found by their own headers"));
            return new LogfileHeaderReading(header, pointerSize, stamp, problems);
        }
        // No logfile header: an ETL file still, if any buffer can be found, read with no session to check it against.
        var anySession = new BufferHeaderCheck(0, sessionCompressed: false, processorCount: 0, options.MaxBufferSize);
        // The scanner reads from the start again, so nothing may be released; a stream is searched as far as two of the
        // largest buffers (what it would hold), a file to its end.
        long end = file.IsRandomAccess ? long.MaxValue : 2L * options.MaxBufferSize;
        var found = new BufferHeaderSearch(file, anySession, options.MaxBufferSize).FindWithin(0, end);
        if (!found.Found)
            throw new EtlFormatException(path, WmiBufferHeader.Size, file.IsRandomAccess
                ? $"not an ETL file: no logfile header record ({why}) and no buffer header anywhere in the file"
                : $"not an ETL file: no logfile header record ({why}) and no buffer header in its first {end} bytes");
        var unknown = new TraceLogfileHeader { Clock = ClockType.SystemTime };
        var problem = new EtlProblem(path, WmiBufferHeader.Size, EtlProblemKind.BadRecord,
            $"no logfile header record ({why}): the session's clock, buffer size, processors and pointer size are unknown; " +
            "times are read as system time (right only for sessions that used it) and 64-bit pointers are assumed")
        { Fault = why };
        return new LogfileHeaderReading(unknown, 8, 0, [problem]);
    }

    /// <summary>Frames the record at 0x48 as the logfile header event; why not, or null.</summary>
    private static EtlFault? TryRecord(byte[] bytes, out TraceLogfileHeader? header, out int pointerSize, out long stamp)
    {
        header = null;
        pointerSize = 0;
        stamp = 0;
        var why = RecordLayout.TryFrame(bytes, WmiBufferHeader.Size, bytes.Length, out var layout);
        if (why is not null) return why;
        if (layout.Type.Family() != TraceHeaderFamily.System || BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(WmiBufferHeader.Size + KernelHeaderOffsets.HookId)) != 0)
            return new EtlFault(EtlFaultKind.NotLogfileHeader, Family: layout.Type.Family());
        pointerSize = layout.Type.PointerSize();
        var payload = bytes.AsSpan(WmiBufferHeader.Size + layout.DataOffset, layout.Size - layout.DataOffset);
        header = TraceLogfileHeader.TryRead(payload, pointerSize);
        if (header is null) return new EtlFault(EtlFaultKind.LogfileHeaderTooShort);
        stamp = layout.Timestamp;
        return null;
    }
}
