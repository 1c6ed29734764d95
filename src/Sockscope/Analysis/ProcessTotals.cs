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
    /// <summary>Its failures: findings of <see cref="FindingSeverity.Warning"/> or <see cref="FindingSeverity.Error"/>.</summary>
    public long Failures { get; set; }
    /// <summary>Its notices by kind: findings of <see cref="FindingSeverity.Info"/> (an option set).</summary>
    public Dictionary<string, long> NoticesByKind { get; } = new();
    /// <summary>Its notices: findings of <see cref="FindingSeverity.Info"/>. With <see cref="Failures"/>, sums to <see cref="FindingCount"/>.</summary>
    public long Notices
    {
        get
        {
            long n = 0;
            foreach (var kind in NoticesByKind) n += kind.Value;
            return n;
        }
    }
    /// <summary>Its failures by kind (its findings less its notices).</summary>
    public IEnumerable<KeyValuePair<string, long>> FailuresByKind =>
        Findings.Select(k => KeyValuePair.Create(k.Key, k.Value - NoticesByKind.GetValueOrDefault(k.Key))).Where(k => k.Value > 0);
}
