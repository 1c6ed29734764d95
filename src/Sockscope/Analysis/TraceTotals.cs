using System.Net;

namespace Sockscope.Analysis;

/// <summary>
/// The totals of one trace's analysis, counted as the sockets complete and the findings are found: every one of them,
/// whatever is kept for listing. <c>summary</c>, <c>report</c> and <c>export</c> all show these numbers, so they
/// agree with each other and add up: the findings by kind, by severity and per process each sum to
/// <see cref="FindingCount"/>, and the sockets and bytes per process to <see cref="Sockets"/> and the bytes.
/// </summary>
/// <remarks>
/// The one bound is on how many processes and remote endpoints get totals of their own
/// (<see cref="AnalysisLimits.MaxTotals"/>): past it, the sums per process or per endpoint fall short of the trace's
/// totals, and <see cref="ProcessesTruncated"/> or <see cref="RemotesTruncated"/> says so.
/// </remarks>
public sealed class TraceTotals
{
    private readonly int _maxTotals;
    private readonly Dictionary<uint, ProcessTotals> _byProcess = new();
    private readonly Dictionary<IPEndPoint, RemoteTotals> _byRemote = new();
    private readonly Dictionary<string, long> _byKind = new(StringComparer.Ordinal);
    private readonly long[] _bySeverity = new long[Enum.GetValues<FindingSeverity>().Length];
    private List<ProcessTotals>? _processes;
    private List<RemoteTotals>? _remotes;
    private SortedDictionary<string, long>? _kinds;

    internal TraceTotals(int maxTotals) => _maxTotals = maxTotals;

    /// <summary>Records read, every provider.</summary>
    public long Records { get; private set; }
    /// <summary>Winsock events analysed.</summary>
    public long WinsockEvents { get; private set; }
    /// <summary>Sockets rebuilt: each one <c>sockets</c> writes.</summary>
    public long Sockets { get; private set; }
    /// <summary>Bytes sent by all sockets.</summary>
    public long BytesSent { get; private set; }
    /// <summary>Bytes received by all sockets.</summary>
    public long BytesReceived { get; private set; }
    /// <summary>Every finding found.</summary>
    public long FindingCount { get; private set; }

    /// <summary>Every finding per kind, by kind name (ordinal order).</summary>
    public IReadOnlyDictionary<string, long> FindingsByKind => _kinds ??= new SortedDictionary<string, long>(_byKind, StringComparer.Ordinal);

    /// <summary>Every finding of <paramref name="severity"/>.</summary>
    public long FindingsOf(FindingSeverity severity) => _bySeverity[(int)severity];

    /// <summary>Totals per process (every process with sockets or findings, up to the cap), the most bytes first.</summary>
    public IReadOnlyList<ProcessTotals> Processes =>
        _processes ??= _byProcess.Values.OrderByDescending(p => p.BytesSent + p.BytesReceived).ThenBy(p => p.ProcessId).ToList();

    /// <summary>Totals per remote endpoint (every endpoint a socket connected to or a failure involved, up to the cap), the most bytes first.</summary>
    public IReadOnlyList<RemoteTotals> Remotes =>
        _remotes ??= _byRemote.Values.OrderByDescending(r => r.BytesSent + r.BytesReceived).ThenByDescending(r => r.Failures).ToList();

    /// <summary>How many processes, and how many remote endpoints, get totals of their own at most.</summary>
    public int MaxTotals => _maxTotals;

    /// <summary>True when more processes than <see cref="MaxTotals"/> had sockets or findings: those past it have no totals of their own.</summary>
    public bool ProcessesTruncated { get; private set; }

    /// <summary>True when more remote endpoints than <see cref="MaxTotals"/> were seen: those past it have no totals of their own.</summary>
    public bool RemotesTruncated { get; private set; }

    /// <summary>Counts one completed socket.</summary>
    internal void Add(SocketRecord s)
    {
        Sockets++;
        BytesSent += s.BytesSent;
        BytesReceived += s.BytesReceived;
        if (Process(s.ProcessId) is { } p)
        {
            p.Name ??= s.ProcessName;
            p.Sockets++;
            p.BytesSent += s.BytesSent;
            p.BytesReceived += s.BytesReceived;
        }
        if (s.Remote is not null && Remote(s.Remote) is { } r)
        {
            r.Sockets++;
            r.BytesSent += s.BytesSent;
            r.BytesReceived += s.BytesReceived;
        }
    }

    /// <summary>Counts one finding.</summary>
    internal void Add(Finding f)
    {
        FindingCount++;
        _byKind[f.Kind] = _byKind.GetValueOrDefault(f.Kind) + 1;
        _bySeverity[(int)f.Severity]++;
        if (Process(f.ProcessId) is { } p) p.Findings[f.Kind] = p.Findings.GetValueOrDefault(f.Kind) + 1;
        if (f.Remote is not null && f.Severity != FindingSeverity.Info && Remote(f.Remote) is { } r) r.Failures++;
    }

    /// <summary>Ends the count: the records and events read, and the names of processes known only from the trace's Process events.</summary>
    internal void Complete(long records, long winsockEvents, ProcessTable processes)
    {
        Records = records;
        WinsockEvents = winsockEvents;
        foreach (var p in _byProcess.Values) p.Name ??= processes.NameOf(p.ProcessId);
        _processes = null;
        _remotes = null;
        _kinds = null;
    }

    private ProcessTotals? Process(uint id)
    {
        if (_byProcess.TryGetValue(id, out var p)) return p;
        if (_byProcess.Count >= _maxTotals)
        {
            ProcessesTruncated = true;
            return null;
        }
        return _byProcess[id] = new ProcessTotals { ProcessId = id };
    }

    private RemoteTotals? Remote(IPEndPoint remote)
    {
        if (_byRemote.TryGetValue(remote, out var r)) return r;
        if (_byRemote.Count >= _maxTotals)
        {
            RemotesTruncated = true;
            return null;
        }
        return _byRemote[remote] = new RemoteTotals { Remote = remote };
    }
}
