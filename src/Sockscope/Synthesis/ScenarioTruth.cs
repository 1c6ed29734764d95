using Sockscope.Analysis;

namespace Sockscope.Synthesis;

/// <summary>
/// The ground truth of a synthesised trace: every socket as the analysis should rebuild it, every finding, and how
/// many events of each kind were written.
/// </summary>
/// <remarks>
/// <para>The rules the truth follows (one <see cref="SocketRecord"/> per socket life, keyed by the AFD Endpoint;
/// an endpoint address reused after a close starts a new record):</para>
/// <list type="bullet">
/// <item>ProcessId / ProcessObject / ProcessName: the owner from the events' Process field (EPROCESS), named by the
/// kernel Process event; never the header process id, which is 4 (System) for kernel completions.</item>
/// <item>Opened: the AfdCreate (1000) entry, or legacy event 1; null for a socket with no create in the trace.
/// Closed: the AfdClose (1001) exit, or legacy event 13; null when the socket outlives the trace. AfdCleanup
/// (1002) does not close.</item>
/// <item>Protocol / Family / SocketType: from the create event only (-1 without one).</item>
/// <item>Local: the bound address of the BindWithAddress (1030) exit, or legacy 2/3 (often 0.0.0.0:port or
/// [::]:port); a socket accepted from a listener takes the listener's bound address. Remote: the connect entry's
/// address (1018/1021 EnterExit 0, legacy 4/5), kept even when the connect fails; for an accepted socket the address
/// of the accept (1027/1024 exit, legacy 15/16). Peers: the addresses of datagram sends and receives (1013/1009/
/// 1015, legacy 21/22/26/27), distinct, in the order first seen; a dropped datagram's source is not a peer.</item>
/// <item>Sends / BytesSent: one per outermost send operation (1003 entry at depth 0; the nested inner pair, entry
/// 3006 and exit 3024 under System, is not counted), bytes from its exit; datagram sends (1013) count from the exit;
/// legacy: one per posted send (18/21/22), bytes from the completion (24/28). A failed send counts as an operation
/// with 0 bytes.</item>
/// <item>Receives / BytesReceived: one per receive; bytes from the exit (the entry offers a buffer size such as
/// 17,408); datagram receives (1009/1015) have an exit only; legacy: one per posted receive (19/20), bytes from the
/// completion (23/26/27). A receive that returns 0 bytes (the peer closed) counts with 0 bytes.</item>
/// <item>Listening / Backlog: from AfdListen (1037) entry (its exit carries Backlog 0). Windows 7 has no listen event:
/// a socket is listening once a connection indication (35/36) names it, with no backlog.</item>
/// <item>AcceptedFrom: the listening Endpoint of the 1027/1024 exit whose AcceptEndpoint is this socket; legacy: the
/// ListenEndpoint of the indication (35/36) with the same process and remote address just before the accept (15/16),
/// whose Endpoint is the accepted socket.</item>
/// <item>RemoteName: the name the socket's own process resolved (Winsock-NameResolution 1001) to the remote's
/// address before the connect or accept; for a datagram socket without a remote, that of its first named peer.
/// PeerTraffic: per peer, the bytes of the datagrams sent to it and received from it, and its name as resolved before
/// the peer was first used.</item>
/// <item>Options: AfdOption (1035) / legacy 29, keyed by the AFD_OPTION map name (SO_RCVBUF, FIONBIO, …), last value.</item>
/// <item>Aborted / AbortReason: AfdAbort (1032) / legacy 7, 8; the reason as the AFD_ABORT map's text.</item>
/// <item>Error: the first failing status of an operation named by the event's Endpoint field, as a STATUS_ name
/// (a refused connect: STATUS_CONNECTION_REFUSED; a failed accept charges the listening socket). The Winsock-Sockets
/// error codes (WSAE…) of the same calls come later and do not replace it.</item>
/// <item>SocketHandle: the ws2_32 handle of the Winsock-Sockets events (builds 22000+) that name this socket:
/// SockCreate, SockAccept's SocketAccepted, or SockClose for a socket opened before the trace.</item>
/// </list>
/// <para>Findings: one per event that shows a failure: connect_failed (the connect's completion, Warning),
/// bind_failed (bind exit / 40, Error), accept_failed (accept exit / 17, Warning), abort (Error), send_failed and
/// receive_failed (the operation's exit / 9, 11, Error), datagram_dropped (1033 / 33, 34, Warning, Remote = the
/// source), buffer_reuse (the second entry posting a Buffer while the first operation on it has no exit yet;
/// Warning), option_changed (every 1035 / 29, Info), name_resolution_failed (a lookup result with a non-zero status, Warning,
/// process = the one that asked, RemoteName = the queried name), and one events_lost (Warning, at the session start, process 0)
/// when the logfile header counts lost events or a buffer is flagged. Remote is the event's own address or, without
/// one, the socket's remote as known then. Detail wording is not part of the contract.</para>
/// <para>busy-host keeps the truth aggregate so that memory stays flat: <see cref="Sockets"/>, <see cref="Findings"/>
/// and <see cref="Lookups"/> stay empty and <see cref="Aggregate"/> is true; the totals, the per-process totals, the
/// finding counts and the event counts are exact.</para>
/// </remarks>
internal sealed class ScenarioTruth
{
    /// <summary>The scenario written.</summary>
    public required string Scenario { get; init; }
    /// <summary>The Windows build the trace says it came from.</summary>
    public int Build { get; init; }
    /// <summary>Pointer size of the trace.</summary>
    public int PointerSize { get; init; }
    /// <summary>True when the buffers are compressed.</summary>
    public bool Compressed { get; init; }
    /// <summary>Session start (UTC).</summary>
    public DateTime Start { get; init; }
    /// <summary>The last event's time (UTC).</summary>
    public DateTime End { get; set; }
    /// <summary>True when only totals are kept (busy-host).</summary>
    public bool Aggregate { get; init; }
    /// <summary>Every socket, in the order it first appears in the trace.</summary>
    public List<SocketRecord> Sockets { get; } = new();
    /// <summary>Every finding, in time order.</summary>
    public List<Finding> Findings { get; } = new();
    /// <summary>Every process of the trace (the System process first).</summary>
    public List<ProcessTruth> Processes { get; } = new();
    /// <summary>Name lookups logged by Winsock-NameResolution.</summary>
    public List<NameLookup> Lookups { get; } = new();
    /// <summary>Events written, per provider and id (kernel Process events: the class GUID and the opcode).</summary>
    public Dictionary<EventKey, long> EventCounts { get; } = new();
    /// <summary>Findings per kind.</summary>
    public Dictionary<FindingKind, long> FindingCounts { get; } = new();
    /// <summary>Event records written, the logfile header record not counted.</summary>
    public long Events { get; set; }
    /// <summary>Sockets that appear in the trace.</summary>
    public long SocketCount { get; set; }
    /// <summary>Sockets still open when the trace ends.</summary>
    public long OpenAtEnd { get; set; }
    /// <summary>Bytes sent by all sockets.</summary>
    public long BytesSent { get; set; }
    /// <summary>Bytes received by all sockets.</summary>
    public long BytesReceived { get; set; }
    /// <summary>Send operations.</summary>
    public long Sends { get; set; }
    /// <summary>Receive operations.</summary>
    public long Receives { get; set; }
    /// <summary>EventsLost of the logfile header.</summary>
    public uint EventsLost { get; init; }
    /// <summary>Buffers flagged WMI_BUFFER_FLAG_EVENTS_LOST.</summary>
    public int BuffersFlaggedEventsLost { get; set; }

    /// <summary>Events written of one provider and id.</summary>
    public long Count(Guid provider, ushort id) => EventCounts.GetValueOrDefault(new EventKey(provider, id));

    /// <summary>Events written of one provider.</summary>
    public long CountProvider(Guid provider) => EventCounts.Where(kv => kv.Key.Provider == provider).Sum(kv => kv.Value);

    /// <summary>The socket records of an endpoint (more than one when the endpoint address was reused).</summary>
    public IEnumerable<SocketRecord> SocketsAt(ulong endpoint) => Sockets.Where(s => s.Endpoint == endpoint);

    /// <summary>The findings of one kind.</summary>
    public IEnumerable<Finding> FindingsOf(FindingKind kind) => Findings.Where(f => f.Kind == kind);
}
