using Sockscope.Analysis;

namespace Sockscope.Sinks.Report;

/// <summary>Everything one report shows, gathered from one pass over a trace and bounded by <see cref="ReportOptions"/>.</summary>
internal sealed class ReportData
{
    /// <summary>The trace, the machine and the totals.</summary>
    public required ReportOverview Overview { get; init; }
    /// <summary>The sockets shown, in the order first seen; the most interesting ones when the trace had more.</summary>
    public required IReadOnlyList<ReportSocket> Sockets { get; init; }
    /// <summary>The kinds of event the sockets' events refer to by index.</summary>
    public required IReadOnlyList<ReportEventKind> EventKinds { get; init; }
    /// <summary>The findings listed: the failures in time order, then the notices in time order.</summary>
    public required IReadOnlyList<Finding> Findings { get; init; }
    /// <summary>The processes with the most failures, the most first: what the first screen answers with.</summary>
    public IReadOnlyList<FailingProcess> FailingProcesses { get; init; } = [];
    /// <summary>The remote endpoints (or names looked up in vain) with the most failures, the most first.</summary>
    public IReadOnlyList<FailingRemote> FailingRemotes { get; init; } = [];
    /// <summary>All findings per kind (not only those listed).</summary>
    public required IReadOnlyDictionary<string, long> FindingCounts { get; init; }
    /// <summary>All failures per kind.</summary>
    public IReadOnlyDictionary<string, long> FailureCounts { get; init; } = new Dictionary<string, long>();
    /// <summary>All notices per kind.</summary>
    public IReadOnlyDictionary<string, long> NoticeCounts { get; init; } = new Dictionary<string, long>();
    /// <summary>Processes with at least one failure.</summary>
    public int FailingProcessCount { get; init; }
    /// <summary>Remote endpoints (or names looked up in vain) that at least one failure involved.</summary>
    public int FailingRemoteCount { get; init; }
    /// <summary>Totals per process, the most bytes first.</summary>
    public required IReadOnlyList<ProcessTotals> Processes { get; init; }
    /// <summary>The notices of each process listed, by process id (its other findings are failures); absent when none.</summary>
    public IReadOnlyDictionary<uint, long> ProcessNotices { get; init; } = new Dictionary<uint, long>();
    /// <summary>Totals per remote endpoint, the most bytes first.</summary>
    public required IReadOnlyList<RemoteTotals> Remotes { get; init; }
    /// <summary>Activity over time.</summary>
    public required ActivityHistogram Activity { get; init; }
}

/// <summary>What a report says about the trace as a whole.</summary>
internal sealed class ReportOverview
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
    /// <summary>Findings that are failures (severity Warning or Error).</summary>
    public long FailureCount { get; init; }
    /// <summary>Findings that are notices (severity Info, such as an option set): counted apart from the failures.</summary>
    public long NoticeCount { get; init; }
    /// <summary>The earliest failure, or null when there was none.</summary>
    public Finding? FirstFailure { get; init; }
    /// <summary>Records per provider (kernel records per event class), the most first: what a trace without Winsock events holds.</summary>
    public IReadOnlyList<ReportProvider> Providers { get; init; } = [];
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
internal sealed record ReportSocket(SocketRecord Record, SocketOutcome Outcome, long EventCount, IReadOnlyList<ReportEvent>? Events);

/// <summary>One event of a socket, rendered for a person.</summary>
/// <param name="Time">When (UTC).</param>
/// <param name="Kind">Index into <see cref="ReportData.EventKinds"/>.</param>
/// <param name="ProcessId">The header's process id.</param>
/// <param name="ThreadId">The header's thread id.</param>
/// <param name="Message">The manifest message with its inserts filled, or the task name and the fields.</param>
internal readonly record struct ReportEvent(DateTime Time, int Kind, uint ProcessId, uint ThreadId, string Message);

/// <summary>A kind of event: provider, id, version and names.</summary>
/// <param name="Provider">The provider's name.</param>
/// <param name="Id">Event id.</param>
/// <param name="Version">Event version.</param>
/// <param name="Name">The task name (or the event's symbol).</param>
/// <param name="Opcode">The opcode's name, or its number.</param>
internal sealed record ReportEventKind(string Provider, ushort Id, byte Version, string Name, string Opcode);

/// <summary>One provider of the trace and its records.</summary>
/// <param name="Name">The name the trace or the well-known list gives, or null.</param>
/// <param name="Provider">The provider GUID (kernel records: the event class GUID).</param>
/// <param name="Records">Its records.</param>
internal sealed record ReportProvider(string? Name, Guid Provider, long Records);

/// <summary>A process that failed, with how.</summary>
/// <param name="ProcessId">The process id.</param>
/// <param name="Name">The image name, when known.</param>
/// <param name="Failures">Its failures.</param>
/// <param name="Notices">Its notices.</param>
/// <param name="FirstFailure">When its first failure was (UTC).</param>
/// <param name="Kinds">Its failures by kind, the most first.</param>
internal sealed record FailingProcess(uint ProcessId, string? Name, long Failures, long Notices, DateTime FirstFailure, IReadOnlyList<KeyValuePair<string, long>> Kinds);

/// <summary>A remote endpoint that failures involved, with how.</summary>
/// <param name="Remote">The endpoint, or null for a name whose lookup failed.</param>
/// <param name="Name">The host name resolved to it (or looked up in vain), when known.</param>
/// <param name="Failures">Failures involving it.</param>
/// <param name="FirstFailure">When the first was (UTC).</param>
/// <param name="Kinds">The failures by kind, the most first.</param>
internal sealed record FailingRemote(System.Net.IPEndPoint? Remote, string? Name, long Failures, DateTime FirstFailure, IReadOnlyList<KeyValuePair<string, long>> Kinds);
