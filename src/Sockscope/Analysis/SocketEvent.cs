using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Sockscope.Analysis;

/// <summary>Where a <see cref="SocketEvent"/> came from, which says how its fields are to be read.</summary>
internal enum SocketEventSource : byte
{
    /// <summary>Nothing the analysis reads.</summary>
    None,
    /// <summary>Microsoft-Windows-Winsock-AFD, the 1000-series events of Windows 8 and later.</summary>
    Afd,
    /// <summary>Microsoft-Windows-Winsock-AFD, the Windows 7 events 1–41.</summary>
    AfdLegacy,
    /// <summary>Microsoft-Windows-Winsock-Sockets (ws2_32).</summary>
    Sockets,
    /// <summary>A kernel Process start or rundown event: <see cref="SocketEvent.Process"/>, <see cref="SocketEvent.ProcessId"/> and the image in <see cref="SocketEvent.Text"/>.</summary>
    Process,
    /// <summary>
    /// A Microsoft-Windows-Winsock-NameResolution lookup result (1001, or 1004 for an asynchronous lookup): the queried
    /// name in <see cref="SocketEvent.Text"/>, the addresses in <see cref="SocketEvent.Result"/>, the Win32 status in
    /// <see cref="SocketEvent.Status"/>; the asking process is the header's.
    /// </summary>
    NameResolution,
}

/// <summary>Which of a <see cref="SocketEvent"/>'s optional fields the event carried.</summary>
[Flags]
internal enum SocketEventFields : ushort
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary><see cref="SocketEvent.Family"/>.</summary>
    Family = 1,
    /// <summary><see cref="SocketEvent.SocketType"/>.</summary>
    SocketType = 2,
    /// <summary><see cref="SocketEvent.Protocol"/>.</summary>
    Protocol = 4,
    /// <summary><see cref="SocketEvent.Address"/> (a SOCKADDR, or a legacy event's raw address).</summary>
    Address = 8,
    /// <summary><see cref="SocketEvent.Port"/> (legacy events).</summary>
    Port = 16,
    /// <summary><see cref="SocketEvent.Backlog"/>.</summary>
    Backlog = 32,
    /// <summary><see cref="SocketEvent.ProcessId"/> (from the payload, not the ETW header).</summary>
    ProcessId = 64,
}

/// <summary>The bytes of an address field: a SOCKADDR_IN6 is the longest (28 bytes).</summary>
[InlineArray(Length)]
internal struct AddressBytes
{
    /// <summary>Capacity in bytes.</summary>
    public const int Length = 28;
    private byte _first;
}

/// <summary>
/// What the socket analysis reads of one Winsock (or kernel Process) event, lifted out of its payload by
/// <see cref="SocketEventReader"/>: plain values, no references into the record, so events can be handed between
/// threads in batches. Which field means what depends on <see cref="Source"/> and <see cref="Id"/>, as the
/// comments say.
/// </summary>
internal struct SocketEvent
{
    /// <summary>The provider (or kernel group) the event came from.</summary>
    public SocketEventSource Source;
    /// <summary>The event id.</summary>
    public ushort Id;
    /// <summary>AFD 1000-series: EnterExit is 1 (the exit of the call).</summary>
    public bool Exit;
    /// <summary>Which optional fields the event carried.</summary>
    public SocketEventFields Present;
    /// <summary>The ETW header's process id (kernel completions log under the System process).</summary>
    public uint HeaderProcessId;
    /// <summary>The raw time stamp, in the trace clock's ticks.</summary>
    public long Stamp;
    /// <summary>AFD: the endpoint (ListenEndpoint for legacy 35/36); Sockets: the socket handle (SocketAccepted for 6).</summary>
    public ulong Endpoint;
    /// <summary>AFD: the EPROCESS pointer; Process: UniqueProcessKey.</summary>
    public ulong Process;
    /// <summary>AFD create's ProcessId, legacy UserModePid, Sockets' ProcessId, a Process event's id.</summary>
    public ulong ProcessId;
    /// <summary>The NTSTATUS (AFD Status); a name lookup's Win32 status.</summary>
    public uint Status;
    /// <summary>Legacy AFD Error, Sockets ErrorCode (a Win32 code).</summary>
    public uint Error;
    /// <summary>AFD 1000-series Location.</summary>
    public uint Location;
    /// <summary>The address family.</summary>
    public int Family;
    /// <summary>The socket type.</summary>
    public int SocketType;
    /// <summary>The protocol.</summary>
    public int Protocol;
    /// <summary>The buffer address of a send or receive.</summary>
    public ulong Buffer;
    /// <summary>BufferLength, or the legacy datagram drop's PacketSize.</summary>
    public ulong Length;
    /// <summary>AFD accept's AcceptEndpoint; Sockets accept's SocketListening.</summary>
    public ulong Other;
    /// <summary>The listen backlog.</summary>
    public ulong Backlog;
    /// <summary>An option's value.</summary>
    public ulong Value;
    /// <summary>An abort or drop reason, or an option name, as text; a Process event's image name; a lookup's queried name.</summary>
    public string? Text;
    /// <summary>A name lookup's result: the addresses found, as the event logs them ("203.0.113.10;2001:db8::10;").</summary>
    public string? Result;
    /// <summary>The address field's bytes (the first <see cref="AddressLength"/>).</summary>
    public AddressBytes Address;
    /// <summary>How many bytes of <see cref="Address"/> hold the field (a longer field keeps its first 28 bytes: all a SOCKADDR_IN or SOCKADDR_IN6 has).</summary>
    public byte AddressLength;
    /// <summary>A legacy event's port (host order).</summary>
    public ushort Port;

    /// <summary>The address field's bytes.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> AddressSpan => ((ReadOnlySpan<byte>)Address)[..AddressLength];

    /// <summary>True when the event carried every field in <paramref name="fields"/>.</summary>
    public readonly bool Has(SocketEventFields fields) => (Present & fields) == fields;
}
