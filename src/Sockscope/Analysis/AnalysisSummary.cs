namespace Sockscope.Analysis;

/// <summary>What a whole trace's analysis found: the totals, counted over everything, and the findings kept for listing.</summary>
public sealed class AnalysisSummary
{
    /// <summary>The totals, counted over every socket and every finding: what summary, report and export show.</summary>
    public required TraceTotals Totals { get; init; }

    /// <summary>
    /// The findings kept with their details, at most <see cref="MaxFindingsKept"/>, in the order found: past the cap,
    /// failures are kept before notices (the first failures, then the first notices as room allows).
    /// </summary>
    public required IReadOnlyList<Finding> Findings { get; init; }

    /// <summary>The cap on <see cref="Findings"/>.</summary>
    public required int MaxFindingsKept { get; init; }

    /// <summary>True when more findings were found than kept: <see cref="Findings"/> is not all of them.</summary>
    public bool FindingsTruncated => Totals.FindingCount > Findings.Count;

    /// <summary>Sockets (<see cref="TraceTotals.Sockets"/>).</summary>
    public long Sockets => Totals.Sockets;
    /// <summary>Winsock events analysed (<see cref="TraceTotals.WinsockEvents"/>).</summary>
    public long WinsockEvents => Totals.WinsockEvents;
    /// <summary>Records read (<see cref="TraceTotals.Records"/>).</summary>
    public long Records => Totals.Records;
    /// <summary>Every finding found (<see cref="TraceTotals.FindingCount"/>), not only those kept.</summary>
    public long FindingCount => Totals.FindingCount;
    /// <summary>Failures found (<see cref="TraceTotals.Failures"/>): warnings and errors.</summary>
    public long Failures => Totals.Failures;
    /// <summary>Notices found (<see cref="TraceTotals.Notices"/>): findings of <see cref="FindingSeverity.Info"/>.</summary>
    public long Notices => Totals.Notices;
    /// <summary>Totals per process (<see cref="TraceTotals.Processes"/>).</summary>
    public IReadOnlyList<ProcessTotals> Processes => Totals.Processes;
    /// <summary>Totals per remote endpoint (<see cref="TraceTotals.Remotes"/>).</summary>
    public IReadOnlyList<RemoteTotals> Remotes => Totals.Remotes;
    /// <summary>Bytes sent (<see cref="TraceTotals.BytesSent"/>).</summary>
    public long BytesSent => Totals.BytesSent;
    /// <summary>Bytes received (<see cref="TraceTotals.BytesReceived"/>).</summary>
    public long BytesReceived => Totals.BytesReceived;
}
