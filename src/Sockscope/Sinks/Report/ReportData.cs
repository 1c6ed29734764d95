using Sockscope.Analysis;

namespace Sockscope.Sinks.Report;

/// <summary>Everything one report shows, gathered from one pass over a trace and bounded by <see cref="ReportOptions"/>.</summary>
public sealed class ReportData
{
    /// <summary>The trace, the machine and the totals.</summary>
    public required ReportOverview Overview { get; init; }
    /// <summary>The sockets shown, in the order first seen; the most interesting ones when the trace had more.</summary>
    public required IReadOnlyList<ReportSocket> Sockets { get; init; }
    /// <summary>The kinds of event the sockets' events refer to by index.</summary>
    public required IReadOnlyList<ReportEventKind> EventKinds { get; init; }
    /// <summary>The findings listed, in time order.</summary>
    public required IReadOnlyList<Finding> Findings { get; init; }
    /// <summary>All findings per kind (not only those listed).</summary>
    public required IReadOnlyDictionary<string, long> FindingCounts { get; init; }
    /// <summary>Totals per process, the most bytes first.</summary>
    public required IReadOnlyList<ProcessTotals> Processes { get; init; }
    /// <summary>Totals per remote endpoint, the most bytes first.</summary>
    public required IReadOnlyList<RemoteTotals> Remotes { get; init; }
    /// <summary>Activity over time.</summary>
    public required ActivityHistogram Activity { get; init; }
}

/// <summary>What a report says about the trace as a whole.</summary>
public sealed class ReportOverview
{
    /// <summary>The trace file as named on the command line.</summary>
    public required string File { get; init; }
    /// <summary>Windows version, "major.minor".</summary>
    public required string OsVersion { get; init; }
    /// <summary>Windows build number.</summary>
    public uint Build { get; init; }
    /// <summary>Processors of the recording machine.</summary>
    public uint Processors { get; init; }
    /// <summary>Pointer size of the trace, 4 or 8.</summary>
    public int PointerSize { get; init; }
    /// <summary>The session's logger name.</summary>
    public required string LoggerName { get; init; }
    /// <summary>Session start (UTC).</summary>
    public DateTime Start { get; init; }
    /// <summary>Session end (UTC): the header's, or the last Winsock event's when the session did not close the file; null when neither is known.</summary>
    public DateTime? End { get; init; }
    /// <summary>The instant every time of the report's data counts from: the start, to the millisecond.</summary>
    public DateTime Origin { get; init; }
    /// <summary>Records read.</summary>
    public long Records { get; init; }
    /// <summary>Winsock events analysed.</summary>
    public long WinsockEvents { get; init; }
    /// <summary>Sockets in the trace.</summary>
    public long Sockets { get; init; }
    /// <summary>Sockets the report shows.</summary>
    public int SocketsShown { get; init; }
    /// <summary>Sockets whose events the report shows.</summary>
    public int SocketsWithEvents { get; init; }
    /// <summary>Events the report shows.</summary>
    public long EventsShown { get; init; }
    /// <summary>Bytes sent by all sockets.</summary>
    public long BytesSent { get; init; }
    /// <summary>Bytes received by all sockets.</summary>
    public long BytesReceived { get; init; }
    /// <summary>Findings found.</summary>
    public long FindingCount { get; init; }
    /// <summary>Processes with sockets or findings.</summary>
    public int ProcessCount { get; init; }
    /// <summary>Events the session lost (logfile header).</summary>
    public long EventsLost { get; init; }
    /// <summary>Buffers the session lost (logfile header and buffers flagged lost).</summary>
    public long BuffersLost { get; init; }
    /// <summary>Buffers flagged as having lost events.</summary>
    public long BuffersWithEventsLost { get; init; }
    /// <summary>Damage found while reading, as lines naming file and offset (the first ones).</summary>
    public required IReadOnlyList<string> Problems { get; init; }
    /// <summary>Damage problems found.</summary>
    public long ProblemCount { get; init; }
    /// <summary>Damaged buffers.</summary>
    public long DamagedBuffers { get; init; }
    /// <summary>Bytes skipped as damaged.</summary>
    public long BytesSkipped { get; init; }
    /// <summary>The caps the report was built with.</summary>
    public required ReportOptions Caps { get; init; }
}

/// <summary>One socket of a report.</summary>
/// <param name="Record">The socket rebuilt.</param>
/// <param name="Outcome">How its life ended.</param>
/// <param name="EventCount">Winsock events about it in the trace.</param>
/// <param name="Events">Its first events, or null when the report keeps none of them.</param>
public sealed record ReportSocket(SocketRecord Record, SocketOutcome Outcome, long EventCount, IReadOnlyList<ReportEvent>? Events);

/// <summary>One event of a socket, rendered for a person.</summary>
/// <param name="Time">When (UTC).</param>
/// <param name="Kind">Index into <see cref="ReportData.EventKinds"/>.</param>
/// <param name="ProcessId">The header's process id.</param>
/// <param name="ThreadId">The header's thread id.</param>
/// <param name="Message">The manifest message with its inserts filled, or the task name and the fields.</param>
public readonly record struct ReportEvent(DateTime Time, int Kind, uint ProcessId, uint ThreadId, string Message);

/// <summary>A kind of event: provider, id, version and names.</summary>
/// <param name="Provider">The provider's name.</param>
/// <param name="Id">Event id.</param>
/// <param name="Version">Event version.</param>
/// <param name="Name">The task name (or the event's symbol).</param>
/// <param name="Opcode">The opcode's name, or its number.</param>
public sealed record ReportEventKind(string Provider, ushort Id, byte Version, string Name, string Opcode);
