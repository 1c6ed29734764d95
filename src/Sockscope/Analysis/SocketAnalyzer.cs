using System.Net;
using Sockscope.Etl;

namespace Sockscope.Analysis;

/// <summary>
/// Rebuilds each socket's life from a stream of decoded Winsock events (AFD 1000-series and legacy 1–41,
/// Winsock-Sockets), and says what went wrong. Streaming: a socket is handed to <see cref="SocketCompleted"/> when
/// it closes, so memory follows the sockets open at once, not the trace.
/// </summary>
/// <remarks>
/// One file per part: each provider's events (SocketAnalyzer.Afd, .LegacyAfd, .Sockets, .NameResolution), a socket's
/// life (.Lifecycle), its traffic (.Traffic) and the findings (.Findings).
/// </remarks>
internal sealed partial class SocketAnalyzer
{
    private const int MaxInFlight = 1 << 20;
    // Hostile traces can name endless processes; real ones name thousands.
    private const int MaxProcesses = 1 << 20;

    private readonly EtlClock _clock;
    private readonly ProcessTable _processes;
    private readonly int _maxFindingsKept;
    private readonly OpenSockets _open = new();
    // The socket of the event before: a call's entry and exit, and a socket's runs of sends, come one after another.
    private ulong _lastEndpoint;
    private SocketState? _lastOpen;
    private readonly Dictionary<(uint Pid, ulong Handle), SocketState> _handles = new();
    private readonly Dictionary<ulong, uint> _processIds = new();
    private readonly Dictionary<BufferKey, ulong> _inFlight = new();
    private readonly Dictionary<(FindingKind Kind, uint Pid, string Where), DateTime> _recentFailures = new();
    // The findings kept for listing, in the order found: when the cap is reached, a failure takes the place of the
    // latest notice kept (left as a null here), so thousands of notices ("FIONBIO set to 1") never crowd out the
    // failures. One list of references, not failures and notices apart with their sequence numbers: a list of
    // (long, Finding) pairs was code the runtime compiled for it alone at every start.
    private readonly List<Finding?> _kept = new();
    private int _keptNotices, _keptRemoved;
    // Past the cap no notice is added, so the latest notice kept is always before the one given up last.
    private int _noticeSearchEnd = int.MaxValue;
    private List<Finding>? _findings;
    private readonly List<(ulong Listener, ulong Process, IPEndPoint? Remote)> _indications = new();
    // ws2_32 logs a call's result after the AFD work inside it: an AFD socket created or accepted a moment ago waits
    // here for its handle, and a closed one waits a second for SockClose to name it before it is handed on.
    private readonly Dictionary<uint, SocketState> _awaitingHandle = new();
    private readonly Queue<(SocketState State, long Stamp)> _closing = new();
    private readonly long _joinTicks;
    private static readonly TimeSpan JoinWindow = TimeSpan.FromSeconds(1);
    private readonly List<(uint Pid, ulong Handle, DateTime Time)> _unclaimedCloses = new();
    private readonly NameTable _names;
    private readonly EndpointCache _endpoints = new();

    /// <summary>Raised when a socket closes (and, at <see cref="Complete"/>, for every socket still open).</summary>
    public event Action<SocketRecord>? SocketCompleted;

    /// <summary>Raised for every finding as it is found.</summary>
    public event Action<Finding>? FindingFound;

    /// <summary>
    /// The findings so far, in the order found: as many as the analyzer keeps (<see cref="FindingCount"/> counts
    /// all), the first failures before any notice when there are more than that, then the first notices.
    /// </summary>
    public IReadOnlyList<Finding> Findings => _findings ??= KeptInOrder();

    /// <summary>Findings found.</summary>
    public long FindingCount { get; private set; }
    /// <summary>Winsock events analysed.</summary>
    public long EventsAnalysed { get; private set; }
    /// <summary>Sockets seen.</summary>
    public long SocketsSeen { get; private set; }
    /// <summary>Successful name lookups seen (Winsock-NameResolution results).</summary>
    public long NameLookups { get; private set; }
    /// <summary>Resolved addresses not remembered because the name table was full (see <see cref="AnalysisLimits.MaxNames"/>).</summary>
    public long NamesDropped => _names.Dropped;

    /// <summary>The socket the event last given to <see cref="Observe"/> was about, or null (for a report's or a database's events of each socket).</summary>
    public SocketRecord? LastSocket { get; private set; }

    /// <summary>
    /// Creates an analyzer for a trace with this clock; process names come from <paramref name="processes"/>; the
    /// first <paramref name="maxFindingsKept"/> findings are kept in <see cref="Findings"/>; the host names of at most
    /// <paramref name="maxNames"/> resolved addresses are remembered for naming sockets.
    /// </summary>
    public SocketAnalyzer(EtlClock clock, ProcessTable? processes = null, int maxFindingsKept = 100_000, int maxNames = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFindingsKept);
        ArgumentOutOfRangeException.ThrowIfNegative(maxNames);
        _names = new NameTable(maxNames);
        _clock = clock;
        _maxFindingsKept = maxFindingsKept;
        _processes = processes ?? new ProcessTable();
        _joinTicks = clock.Frequency;
    }

    /// <summary>The process table (fed with the Process events given to <see cref="Observe"/>).</summary>
    public ProcessTable Processes => _processes;

    /// <summary>Analyses one event (events of other sources are ignored).</summary>
    public void Observe(in SocketEvent e)
    {
        LastSocket = null;
        switch (e.Source)
        {
            case SocketEventSource.Afd:
                HandOnClosedPastJoinWindow(e.Stamp);
                EventsAnalysed++;
                ObserveAfd(e);
                return;
            case SocketEventSource.AfdLegacy:
                HandOnClosedPastJoinWindow(e.Stamp);
                EventsAnalysed++;
                ObserveLegacy(e);
                return;
            case SocketEventSource.Sockets:
                HandOnClosedPastJoinWindow(e.Stamp);
                EventsAnalysed++;
                ObserveSockets(e);
                return;
            case SocketEventSource.Process:
                _processes.Add(e.Process, (uint)e.ProcessId, e.Text ?? "");
                return;
            case SocketEventSource.NameResolution:
                ObserveLookup(e);
                return;
        }
    }

    /// <summary>Hands every socket still open to <see cref="SocketCompleted"/>, oldest first.</summary>
    public void Complete()
    {
        HandOnClosed(long.MaxValue);
        var left = _open.Values.Concat(_handles.Values.Where(s => s.Record.Endpoint == 0))
            .Distinct().OrderBy(s => s.Record.Opened ?? DateTime.MinValue).ToList();
        _open.Clear();
        _lastOpen = null;
        _handles.Clear();
        foreach (var s in left)
        {
            s.Record.ProcessName ??= _processes.NameOf(s.Record.ProcessId);
            HandOn(s);
        }
    }

    private DateTime UtcOf(long stamp) => _clock.ToUtc(stamp);
}
