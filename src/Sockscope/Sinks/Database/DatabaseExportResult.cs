namespace Sockscope.Sinks.Database;

/// <summary>What an export put in the database (or found there already).</summary>
public sealed record DatabaseExportResult
{
    /// <summary>The trace's id in <c>traces</c>.</summary>
    public long TraceId { get; init; }
    /// <summary>True when the database already held this trace: nothing was added.</summary>
    public bool AlreadyPresent { get; init; }
    /// <summary>Event records read, every provider.</summary>
    public long Records { get; init; }
    /// <summary>Rows added to <c>events</c>: the decoded Winsock events.</summary>
    public long Events { get; init; }
    /// <summary>Rows added to <c>sockets</c>: every socket rebuilt.</summary>
    public long Sockets { get; init; }
    /// <summary>Every finding the analysis found.</summary>
    public long FindingCount { get; init; }
    /// <summary>Rows added to <c>findings</c>: the findings the analysis keeps, the first 100,000 by default.</summary>
    public long Findings { get; init; }
    /// <summary>True when the trace had more findings than <c>findings</c> holds.</summary>
    public bool FindingsTruncated => FindingCount > Findings;
    /// <summary>Rows added to <c>processes</c>.</summary>
    public long Processes { get; init; }
    /// <summary>Bytes sent by all sockets.</summary>
    public long BytesSent { get; init; }
    /// <summary>Bytes received by all sockets.</summary>
    public long BytesReceived { get; init; }
}
