namespace Sockscope.Analysis;

/// <summary>Totals for one process.</summary>
public sealed class ProcessTotals
{
    /// <summary>The process id.</summary>
    public uint ProcessId { get; init; }
    /// <summary>The image name, when known.</summary>
    public string? Name { get; set; }
    /// <summary>Sockets.</summary>
    public long Sockets { get; set; }
    /// <summary>Bytes sent.</summary>
    public long BytesSent { get; set; }
    /// <summary>Bytes received.</summary>
    public long BytesReceived { get; set; }
    /// <summary>Findings by kind.</summary>
    public Dictionary<string, long> Findings { get; } = new();
    /// <summary>All its findings.</summary>
    public long FindingCount => Findings.Values.Sum();
}
