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
    private readonly Dictionary<string, long> _noticesByKind = new(StringComparer.Ordinal);
    private readonly long[] _bySeverity = new long[Enum.GetValues<FindingSeverity>().Length];
    private List<ProcessTotals>? _processes;
    private List<RemoteTotals>? _remotes;
    private SortedDictionary<string, long>? _kinds, _failureKinds, _noticeKinds;

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
    /// <summary>Failures found: findings of <see cref="FindingSeverity.Warning"/> or <see cref="FindingSeverity.Error"/>. With <see cref="Notices"/>, sums to <see cref="FindingCount"/>.</summary>
    public long Failures => _bySeverity[(int)FindingSeverity.Warning] + _bySeverity[(int)FindingSeverity.Error];
    /// <summary>Notices found: findings of <see cref="FindingSeverity.Info"/> (an option set), counted apart so they do not drown the failures.</summary>
    public long Notices => _bySeverity[(int)FindingSeverity.Info];
    /// <summary>Successful name lookups (Winsock-NameResolution results) whose addresses name sockets.</summary>
    public long NameLookups { get; private set; }
    /// <summary>Resolved addresses not remembered because the name table was full (<see cref="AnalysisLimits.MaxNames"/>): sockets to them show no name.</summary>
    public long NamesDropped { get; private set; }

    /// <summary>Every finding per kind, by kind name (ordinal order).</summary>
    public IReadOnlyDictionary<string, long> FindingsByKind => _kinds ??= new SortedDictionary<string, long>(_byKind, StringComparer.Ordinal);

    /// <summary>Failures per kind (warnings and errors), by kind name (ordinal order).</summary>
    public IReadOnlyDictionary<string, long> FailuresByKind => _failureKinds ??= FailuresPerKind();

    // A loop, not LINQ: Select and Where over these pairs were generic code compiled at every start for this alone.
    private SortedDictionary<string, long> FailuresPerKind()
    {
        var failures = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var kind in _byKind)
            if (kind.Value - _noticesByKind.GetValueOrDefault(kind.Key) is > 0 and var n) failures[kind.Key] = n;
        return failures;
    }

    /// <summary>Notices per kind (findings of <see cref="FindingSeverity.Info"/>), by kind name (ordinal order).</summary>
    public IReadOnlyDictionary<string, long> NoticesByKind => _noticeKinds ??= new SortedDictionary<string, long>(_noticesByKind, StringComparer.Ordinal);

    /// <summary>Every finding of <paramref name="severity"/>.</summary>
    public long FindingsOf(FindingSeverity severity) => _bySeverity[(int)severity];

    /// <summary>Totals per process (every process with sockets or findings, up to the cap), the most bytes first.</summary>
    public IReadOnlyList<ProcessTotals> Processes =>
        _processes ??= _byProcess.Values.OrderByDescending(p => p.BytesSent + p.BytesReceived).ThenBy(p => p.ProcessId).ToList();

    /// <summary>
    /// Totals per remote endpoint (every endpoint a socket connected to or exchanged datagrams with, or a failure
    /// involved, up to the cap), the most bytes first. A datagram socket counts once for each of its peers, with the
    /// bytes of the datagrams to and from that peer; what no peer accounts for (sends on a connected socket) goes to
    /// its remote.
    /// </summary>
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
        long toPeers = 0, fromPeers = 0;
        if (s.PeerTrafficOrNull is { } traffic)
        {
            foreach (var peer in traffic)
            {
                if (s.Remote is not null && peer.Remote.Equals(s.Remote)) continue;
                toPeers += peer.BytesSent;
                fromPeers += peer.BytesReceived;
                if (Remote(peer.Remote) is not { } pr) continue;
                pr.Name ??= peer.Name;
                pr.Sockets++;
                pr.BytesSent += peer.BytesSent;
                pr.BytesReceived += peer.BytesReceived;
            }
        }
        if (s.Remote is not null && Remote(s.Remote) is { } r)
        {
            r.Name ??= s.RemoteName;
            r.Sockets++;
            r.BytesSent += s.BytesSent - toPeers;
            r.BytesReceived += s.BytesReceived - fromPeers;
        }
    }

    /// <summary>Counts one finding.</summary>
    internal void Add(Finding f)
    {
        FindingCount++;
        string kind = f.Kind.ToText();
        _byKind[kind] = _byKind.GetValueOrDefault(kind) + 1;
        _bySeverity[(int)f.Severity]++;
        bool notice = f.Severity == FindingSeverity.Info;
        if (notice) _noticesByKind[kind] = _noticesByKind.GetValueOrDefault(kind) + 1;
        if (Process(f.ProcessId) is { } p)
        {
            p.Findings[kind] = p.Findings.GetValueOrDefault(kind) + 1;
            if (notice) p.NoticesByKind[kind] = p.NoticesByKind.GetValueOrDefault(kind) + 1;
            else p.Failures++;
        }
        if (f.Remote is not null && !notice && Remote(f.Remote) is { } r)
        {
            r.Name ??= f.RemoteName;
            r.Failures++;
        }
    }

    /// <summary>Ends the count: the records and events read, and the names of processes known only from the trace's Process events.</summary>
    internal void Complete(long records, long winsockEvents, ProcessTable processes, long nameLookups = 0, long namesDropped = 0)
    {
        Records = records;
        WinsockEvents = winsockEvents;
        NameLookups = nameLookups;
        NamesDropped = namesDropped;
        foreach (var p in _byProcess.Values) p.Name ??= processes.NameOf(p.ProcessId);
        _processes = null;
        _remotes = null;
        _kinds = null;
        _failureKinds = null;
        _noticeKinds = null;
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
