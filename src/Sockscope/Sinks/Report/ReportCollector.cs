using Sockscope.Analysis;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Sources;
using Sockscope.Schema;

namespace Sockscope.Sinks.Report;

/// <summary>
/// Gathers a report while the analysis runs: every decoded event with its socket (<see cref="OnEvent(in EventCopy, ReadOnlySpan{byte}, SocketRecord, long, long)"/>), every
/// socket as it completes (<see cref="OnSocket(SocketRecord, SocketRecord)"/>). Keeps only what the report can show: the most interesting
/// sockets (failures first, then the most bytes) up to <see cref="ReportOptions.MaxSockets"/>, the first events of
/// the best of them up to <see cref="ReportOptions.MaxEvents"/>, and for open sockets a bounded log each.
/// </summary>
internal sealed class ReportCollector
{
    /// <summary>How interesting a socket is: the greater, the more (a problem, then bytes, then seen earlier).</summary>
    private readonly record struct Rank(bool Problem, long Bytes, long Id) : IComparable<Rank>
    {
        public int CompareTo(Rank other)
        {
            int c = Problem.CompareTo(other.Problem);
            if (c != 0) return c;
            c = Bytes.CompareTo(other.Bytes);
            return c != 0 ? c : other.Id.CompareTo(Id);
        }
    }

    private sealed class Candidate(SocketRecord record, SocketOutcome outcome, long events, SocketEventLog? log)
    {
        public readonly SocketRecord Record = record;
        public readonly SocketOutcome Outcome = outcome;
        public readonly long Events = events;
        public SocketEventLog? Log = log;
        public bool Dropped;
    }

    private const int PoolSize = 256;

    private readonly IEventSource _reader;
    private readonly ProviderCountingSource _source;
    private readonly FailureTally _failures;
    private readonly ReportOptions _options;
    private readonly ActivityHistogram _activity;
    private readonly Dictionary<long, SocketEventLog> _open = new();
    private readonly Stack<SocketEventLog> _pool = new();
    private readonly HeldSchemas _schemas = new();
    // Read once: the source's clock is an interface call away, and every event that moves bytes needs it.
    private readonly EtlClock _clock;
    // Min-heaps: the least interesting at the root, the one to let go when a better one comes.
    private readonly PriorityQueue<Candidate, Rank> _sockets = new();
    private readonly PriorityQueue<Candidate, Rank> _withEvents = new();
    private long _heldBytes;
    private long _keptEvents;
    private long _lastStamp = long.MinValue;
    private SocketEventLog? _lastLog;

    public ReportCollector(IEventSource reader, ReportOptions options)
    {
        _reader = reader;
        _clock = reader.Clock;
        _source = new ProviderCountingSource(reader);
        _failures = new FailureTally(options.Analysis.MaxTotals);
        _options = options;
        _activity = new ActivityHistogram(Origin(reader), options.ActivityBuckets);
    }

    /// <summary>The source for the analysis to read: the reader, its records counted per provider on the way.</summary>
    public IEventSource Source => _source;

    /// <summary>Bytes of events held now (for tests of the memory bound).</summary>
    public long HeldBytes => _heldBytes;
    /// <summary>The most bytes of events held at once.</summary>
    public long PeakHeldBytes { get; private set; }

    /// <summary>The instant the report's times count from: the session start, to the millisecond.</summary>
    public static DateTime Origin(IEventSource reader)
    {
        var start = reader.Clock.ToUtc(reader.StartStamp);
        return new DateTime(start.Ticks - start.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
    }

    /// <summary>Sees one decoded Winsock event and the socket it was about.</summary>
    public void OnEvent(in EtlRecord record, in DecodedEvent decoded, SocketRecord? socket)
    {
        var payload = record.UserData;
        var copy = new EventCopy
        {
            Schema = decoded.Schema,
            Stamp = record.Timestamp,
            ProcessId = record.HasProcessInfo ? record.ProcessId : uint.MaxValue,
            ThreadId = record.HasProcessInfo ? record.ThreadId : uint.MaxValue,
            PointerSize = (byte)decoded.PointerSize,
            PayloadLength = payload.Length,
            Length = Math.Min(payload.Length, SocketEventLog.MaxPayload),
        };
        OnEvent(copy, payload[..copy.Length], socket, socket?.BytesSent ?? 0, socket?.BytesReceived ?? 0);
    }

    /// <summary>
    /// Sees one decoded Winsock event, copied from its record (its payload cut at <see cref="SocketEventLog.MaxPayload"/>), and the socket it was about
    /// with its byte counts as of the event (the record may be analysed further on another thread meanwhile).
    /// </summary>
    public void OnEvent(in EventCopy record, ReadOnlySpan<byte> payload, SocketRecord? socket, long bytesSent, long bytesReceived)
    {
        if (record.Stamp > _lastStamp) _lastStamp = record.Stamp;
        if (socket is null) return;
        // A call's entry and exit, and a socket's runs of sends, come one after another: most events need no lookup.
        var log = _lastLog;
        if (log is null || log.SocketId != socket.Id)
        {
            if (!_open.TryGetValue(socket.Id, out log))
            {
                log = _pool.Count > 0 ? _pool.Pop() : new SocketEventLog(_schemas);
                log.SocketId = socket.Id;
                _open.Add(socket.Id, log);
            }
            _lastLog = log;
        }
        log.Total++;
        long sent = bytesSent - log.LastSent, received = bytesReceived - log.LastReceived;
        if (sent != 0 || received != 0)
        {
            _activity.AddBytes(_clock.ToUtc(record.Stamp), sent, received);
            log.LastSent = bytesSent;
            log.LastReceived = bytesReceived;
        }
        if (log.Count < _options.MaxEventsPerSocket)
        {
            int cost = SocketEventLog.Cost(record);
            if (_heldBytes + cost > _options.MaxHeldBytes) return;
            log.Add(record, payload);
            _heldBytes += cost;
            if (_heldBytes > PeakHeldBytes) PeakHeldBytes = _heldBytes;
        }
    }

    /// <summary>Sees one finding as it is found: every failure is marked on the activity chart, not only those listed.</summary>
    public void OnFinding(Finding f)
    {
        if (f.Severity != FindingSeverity.Info) _activity.AddFailure(f.Time);
        _failures.Add(f);
    }

    /// <summary>Sees one socket as it completes: after all its events.</summary>
    public void OnSocket(SocketRecord s) => OnSocket(s, s);

    /// <summary>
    /// Sees one socket as it completes, ranked by <paramref name="seen"/>, its values as they were then (the analysis
    /// may change the record later on its own thread), and kept as <paramref name="s"/>, which the page shows as the
    /// analysis left it.
    /// </summary>
    public void OnSocket(SocketRecord s, SocketRecord seen)
    {
        _open.Remove(seen.Id, out var log);
        if (ReferenceEquals(log, _lastLog)) _lastLog = null;
        if (seen.Opened is { } opened) _activity.AddOpened(opened);
        if (seen.Closed is { } closed) _activity.AddClosed(closed);
        // Bytes no event of ours showed moving (none, unless a socket had no events) go where the socket ended.
        long sent = seen.BytesSent - (log?.LastSent ?? 0), received = seen.BytesReceived - (log?.LastReceived ?? 0);
        if ((sent != 0 || received != 0) && (seen.Closed ?? seen.Opened) is { } when) _activity.AddBytes(when, sent, received);

        var outcome = SocketOutcomes.Of(seen);
        var rank = new Rank(SocketOutcomes.IsProblem(outcome), seen.BytesSent + seen.BytesReceived, seen.Id);
        var candidate = new Candidate(s, outcome, log?.Total ?? 0, log is { Count: > 0 } ? log : null);
        if (candidate.Log is null && log is not null) Release(log);
        if (_sockets.Count >= _options.MaxSockets)
        {
            _sockets.TryPeek(out _, out var least);
            if (rank.CompareTo(least) <= 0)
            {
                // Never admitted: its events were never counted as kept.
                if (candidate.Log is { } unkept) Release(unkept);
                return;
            }
            Drop(_sockets.Dequeue());
        }
        _sockets.Enqueue(candidate, rank);
        if (candidate.Log is null) return;
        _withEvents.Enqueue(candidate, rank);
        _keptEvents += candidate.Log.Count;
        // Sockets dropped since they entered stay in this heap until popped: sweep them out now and then.
        if (_withEvents.Count > 2 * _options.MaxSockets + 1024) Sweep();
        while (_keptEvents > _options.MaxEvents && _withEvents.TryDequeue(out var poorest, out _))
            if (!poorest.Dropped) LetEventsGo(poorest);
    }

    private void Sweep()
    {
        var live = _withEvents.UnorderedItems.Where(x => x.Element.Log is not null).ToList();
        _withEvents.Clear();
        _withEvents.EnqueueRange(live);
    }

    private void Drop(Candidate c)
    {
        c.Dropped = true;
        LetEventsGo(c);
    }

    private void LetEventsGo(Candidate c)
    {
        if (c.Log is not { } log) return;
        _keptEvents -= log.Count;
        c.Log = null;
        Release(log);
    }

    private void Release(SocketEventLog log)
    {
        _heldBytes -= log.HeldBytes;
        log.Reset();
        if (_pool.Count < PoolSize) _pool.Push(log);
    }

    /// <summary>The report, once the analysis has run: the sockets kept, their events rendered, and the analysis's totals.</summary>
    public ReportData Build(string file, AnalysisSummary summary)
    {
        var o = _options;
        // JSON inputs have no logfile header: what it would say stays empty.
        var header = (_reader as EtlReader)?.Header ?? new TraceLogfileHeader();
        var loss = _reader.Loss;
        var kinds = new List<ReportEventKind>();
        var kindIndex = new Dictionary<EventSchema, int>(ReferenceEqualityComparer.Instance);
        var renderer = new ReportEventRenderer(_reader.Clock);
        var kept = new List<ReportSocket>(_sockets.Count);
        long eventsShown = 0;
        int withEvents = 0;
        foreach (var (c, _) in _sockets.UnorderedItems.OrderBy(x => x.Element.Record.Id))
        {
            RenderedEventLog? events = null;
            if (c.Log is { } log)
            {
                // The kinds are numbered here, in the order the page lists the events; the events are rendered as the page is written.
                var eventKinds = new int[log.Count];
                for (int i = 0; i < log.Count; i++)
                {
                    var schema = log.SchemaOf(i);
                    if (!kindIndex.TryGetValue(schema, out int kind))
                    {
                        kind = kinds.Count;
                        kindIndex[schema] = kind;
                        kinds.Add(new ReportEventKind(schema.Provider.Name, schema.Id, schema.Version, schema.TaskName,
                            schema.Opcode.Name ?? schema.Opcode.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    }
                    eventKinds[i] = kind;
                }
                events = new RenderedEventLog(log, eventKinds, renderer);
                eventsShown += events.Count;
                withEvents++;
            }
            kept.Add(new ReportSocket(c.Record, c.Outcome, c.Events, events));
        }

        var totals = summary.Totals;
        // Failures before notices, each in time order: notices (an option set on every socket) must not bury them.
        var findings = summary.Findings.Where(f => f.Severity != FindingSeverity.Info).OrderBy(f => f.Time)
            .Concat(summary.Findings.Where(f => f.Severity == FindingSeverity.Info).OrderBy(f => f.Time))
            .Take(o.MaxFindings).ToList();
        var processes = totals.Processes.Take(o.MaxProcesses).ToList();
        var processNotices = new Dictionary<uint, long>();
        foreach (var p in processes)
            if (_failures.Of(p.ProcessId).Notices is > 0 and var notices) processNotices[p.ProcessId] = notices;
        var processNames = new Dictionary<uint, string?>();
        foreach (var p in totals.Processes) processNames.TryAdd(p.ProcessId, p.Name);
        var remoteNames = new Dictionary<System.Net.IPEndPoint, string?>();
        foreach (var r in totals.Remotes) remoteNames.TryAdd(r.Remote, r.Name);
        static IReadOnlyList<KeyValuePair<string, long>> Kinds(FailureTally.Entry e) =>
            e.Kinds.OrderByDescending(k => k.Value).ThenBy(k => k.Key, StringComparer.Ordinal).ToList();
        var failingProcesses = _failures.TopProcesses(o.TopFailures)
            .Select(p => new FailingProcess(p.ProcessId, processNames.GetValueOrDefault(p.ProcessId), p.Entry.Failures, p.Entry.Notices, p.Entry.FirstFailure, Kinds(p.Entry)))
            .ToList();
        var failingRemotes = _failures.TopRemotes(o.TopFailures)
            .Select(r => new FailingRemote(r.Remote, r.Entry.Name ?? (r.Remote is null ? null : remoteNames.GetValueOrDefault(r.Remote)), r.Entry.Failures, r.Entry.FirstFailure, Kinds(r.Entry)))
            .ToList();

        DateTime? end = header.EndTime > 0 ? EtlClock.FromFileTime(header.EndTime)
            : _lastStamp != long.MinValue ? _reader.Clock.ToUtc(_lastStamp) : null;
        if (end is { } e && e > _activity.Origin) _activity.Extend(e);
        var diagnostics = _reader.Diagnostics;
        return new ReportData
        {
            Overview = new ReportOverview
            {
                File = file,
                OsVersion = $"{header.MajorVersion}.{header.MinorVersion}",
                Build = header.ProviderVersion,
                Processors = header.NumberOfProcessors,
                PointerSize = (_reader as EtlReader)?.PointerSize ?? 8,
                LoggerName = header.LoggerName,
                Start = header.StartTime > 0 ? EtlClock.FromFileTime(header.StartTime) : _reader.Clock.ToUtc(_reader.StartStamp),
                End = end,
                Origin = _activity.Origin,
                Records = totals.Records,
                WinsockEvents = totals.WinsockEvents,
                Sockets = totals.Sockets,
                SocketsShown = kept.Count,
                SocketsWithEvents = withEvents,
                EventsShown = eventsShown,
                BytesSent = totals.BytesSent,
                BytesReceived = totals.BytesReceived,
                FindingCount = totals.FindingCount,
                FailureCount = totals.FindingsOf(FindingSeverity.Warning) + totals.FindingsOf(FindingSeverity.Error),
                NoticeCount = totals.FindingsOf(FindingSeverity.Info),
                FirstFailure = _failures.FirstFailure,
                Providers = _source.Providers(),
                ProcessCount = totals.Processes.Count,
                EventsLost = loss.EventsLost,
                BuffersLost = loss.BuffersLost,
                BuffersWithEventsLost = loss.BuffersWithEventsLost,
                Problems = diagnostics.Problems.Take(o.MaxProblems).Select(p => p.ToString()).ToList(),
                ProblemCount = diagnostics.ProblemCount,
                DamagedBuffers = diagnostics.DamagedBuffers,
                BytesSkipped = diagnostics.BytesSkipped,
                Caps = o,
            },
            Sockets = kept,
            EventKinds = kinds,
            Findings = findings,
            FailingProcesses = failingProcesses,
            FailingRemotes = failingRemotes,
            FailingProcessCount = _failures.FailingProcesses,
            FailingRemoteCount = _failures.FailingRemotes,
            FailureCounts = new SortedDictionary<string, long>(_failures.FailureKinds, StringComparer.Ordinal),
            NoticeCounts = new SortedDictionary<string, long>(_failures.NoticeKinds, StringComparer.Ordinal),
            FindingCounts = totals.FindingsByKind,
            Processes = processes,
            ProcessNotices = processNotices,
            Remotes = totals.Remotes.Take(o.MaxRemotes).ToList(),
            Activity = _activity,
        };
    }
}
