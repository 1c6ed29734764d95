using System.Buffers.Binary;
using System.Net;
using System.Text;
using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Events;
using Sockscope.Schema;

namespace Sockscope.Synthesis;

/// <summary>
/// The synthesised machine: writes the events of socket operations as Windows logs them (the Windows 7 events 1–41,
/// or the 1000-series with Winsock-Sockets and Winsock-NameResolution where the build has them), advancing a 10 MHz
/// QPC clock, and keeps the ground truth of every operation. One instance writes one file.
/// </summary>
/// <remarks>
/// One file per part: the processes (TraceSim.Processes), the sockets' making (.Sockets), the events' writing (.Writing), the
/// truth kept (.Truth), and the operations: connections (.Connections), traffic (.Traffic), notices and aborts
/// (.Notices) and name lookups (.NameResolution).
/// </remarks>
internal sealed partial class TraceSim : IDisposable
{
    public const long StartStamp = 1_000_000_000;
    private const ulong ChannelKeyword = 0x8000_0000_0000_0000UL; // AFD events go to its Operational channel
    private const ulong BufferedKeyword = 0x20; // AFD_KW_BUFFERED: a buffered send's completion
    private const ulong StreamKeyword = 0x2; // AFD_KW_STREAM
    private const ulong DatagramKeyword = 0x1; // AFD_KW_DATAGRAM
    // Opcodes of the AFD manifest: an event whose opcode is Connected logs Open on its entry.
    private const int OpenOpcode = 10, ConnectedOpcode = 12;
    private const int ErrorLevel = 2;
    private const byte OperationalChannel = 16;

    // NTSTATUS values the scenarios use.
    public const uint StatusConnectionRefused = 0xC0000236;
    public const uint StatusAddressAlreadyExists = 0xC000020A;
    public const uint StatusConnectionReset = 0xC000020D;
    public const uint StatusConnectionAborted = 0xC0000241;

    private static readonly Guid Afd = WellKnownProviders.WinsockAfd;
    private static readonly Guid Sockets = WellKnownProviders.WinsockSockets;
    private static readonly Guid NameResolution = WellKnownProviders.WinsockNameResolution;
    private static readonly uint[] SystemThreads = [0x3C, 0x44, 0x1F8, 0x204, 0x2A0, 0x2B4, 0x30C, 0x318];

    private readonly EtlWriter _writer;
    private readonly byte[] _payload = new byte[32 * 1024];
    private readonly EventData _d = new();
    private readonly EventTemplate?[] _afd = new EventTemplate?[4100];
    private readonly EventTemplate?[] _sockets64 = new EventTemplate?[17], _sockets32 = new EventTemplate?[17];
    private readonly EventTemplate?[] _names64 = new EventTemplate?[16], _names32 = new EventTemplate?[16];
    private readonly Dictionary<EventKey, long> _kernelCounts = new();
    private readonly List<SimProcess> _processes = new();
    private readonly Queue<ulong> _freeEndpoints = new();
    private readonly ProviderSchema _afdSchema, _socketsSchema, _namesSchema;
    private readonly string _afdLabel, _socketsLabel, _namesLabel;
    private readonly ulong _endpointBase, _kernelBufferBase;
    private readonly int _processVersion;
    private long _now = StartStamp;
    private long _nextEndpoint;
    private long _kernelBuffers;
    private bool _eventsLostFound;
    // What each process resolved, by address: the truth names a socket by its own process's earlier lookup.
    private readonly Dictionary<(uint Pid, IPAddress Address), string> _resolved = new();
    private bool _disposed;

    public ScenarioOptions Options { get; }
    public ScenarioTruth Truth { get; }
    public SimRandom Rng { get; }
    public int Build { get; }
    public int PointerSize { get; }
    public bool Detailed { get; }
    /// <summary>True when the build is Windows 7: every part writes the events 1–41.</summary>
    public bool LegacyBuild { get; }
    /// <summary>Write the Windows 7 events 1–41 for the operations from now on.</summary>
    public bool Legacy { get; set; }
    /// <summary>Endpoints of closed sockets are handed out again (as the kernel's pool does) once enough are free.</summary>
    public bool RecycleEndpoints { get; set; }
    public bool HasSockets => !Legacy && Build >= 22000;
    public bool HasNameResolution => !Legacy && Build >= 10240;
    public long Events { get; private set; }
    public long Now => _now;
    public long OpenSockets { get; private set; }
    public SimProcess System { get; }
    public IReadOnlyList<SimProcess> Processes => _processes;

    public TraceSim(Stream output, ScenarioOptions options, int build, bool detailed, uint eventsLost)
    {
        Options = options;
        Build = build;
        PointerSize = options.PointerSize;
        Detailed = detailed;
        LegacyBuild = build <= 7601;
        Legacy = LegacyBuild;
        Rng = new SimRandom(options.Seed);
        _processVersion = LegacyBuild ? 3 : 4;
        _endpointBase = PointerSize == 8 ? 0xFFFF_9A0C_1234_5000UL : 0x8A40_0000UL;
        _kernelBufferBase = PointerSize == 8 ? 0xFFFF_9A0C_3000_0000UL : 0x8E00_0000UL;
        var catalog = SchemaCatalog.Winsock;
        _afdSchema = catalog.Find(Afd)!;
        _socketsSchema = catalog.Find(Sockets)!;
        _namesSchema = catalog.Find(NameResolution)!;
        _afdLabel = Label(_afdSchema, build);
        _socketsLabel = Label(_socketsSchema, build);
        _namesLabel = Label(_namesSchema, build);
        (byte major, byte minor) = build switch
        {
            <= 7601 => ((byte)6, (byte)1),
            < 9600 => ((byte)6, (byte)2),
            < 10240 => ((byte)6, (byte)3),
            _ => ((byte)10, (byte)0),
        };
        Truth = new ScenarioTruth
        {
            Scenario = options.Scenario,
            Build = build,
            PointerSize = PointerSize,
            Compressed = options.Compress,
            Start = options.Start,
            Aggregate = !detailed,
            EventsLost = eventsLost,
        };
        _writer = new EtlWriter(output, new EtlWriterOptions
        {
            PointerSize = PointerSize,
            ProcessorCount = options.Processors,
            BufferSize = options.BufferSize,
            Compress = options.Compress,
            Build = (uint)build,
            MajorVersion = major,
            MinorVersion = minor,
            StartTime = options.Start,
            StartTimestamp = StartStamp,
            PerfFreq = 10_000_000,
            EventsLost = eventsLost,
            LoggerName = "Sockscope-Synthesis",
            LogFileName = @"C:\Windows\Temp\winsock.etl",
        }, leaveOpen: true);
        System = Process("System", SystemProcess.Id, "", 0, account: Account.System);
    }

    /// <summary>The build label of a provider's schema a build falls under (the newest label not after it).</summary>
    private static string Label(ProviderSchema provider, int build)
    {
        string label = provider.Builds[0].Label;
        foreach (var b in provider.Builds)
        {
            var numbers = b.Numbers().ToArray();
            if (numbers.Length > 0 && numbers.Min() <= build) label = b.Label;
        }
        return label;
    }

    /// <summary>The UTC time of a QPC stamp (10 MHz: one tick is one DateTime tick).</summary>
    public DateTime Utc(long stamp) => Options.Start.AddTicks(stamp - StartStamp);

    /// <summary>
    /// Waits are divided by this: a busy host runs many connections at once, so the time between one socket's
    /// operations is shared with other sockets' events.
    /// </summary>
    public int WaitDivisor { get; set; } = 1;

    /// <summary>Lets time pass: between <paramref name="minMicros"/> and <paramref name="maxMicros"/> µs.</summary>
    public void Wait(int minMicros, int maxMicros) => _now += 10L * Rng.Next(minMicros, maxMicros + 1) / WaitDivisor;

    private long NextStamp() => _now += 5 + Rng.Next(30);

    /// <summary>DCEnd of every running process, then the counts; closes the file.</summary>
    public ScenarioTruth Finish()
    {
        if (Truth.EventsLost > 0) EventsLostFinding();
        Wait(1_000, 5_000);
        foreach (var p in _processes)
            if (p.Running) WriteProcessEvent(p, 4);
        Dispose();
        Truth.Events = Events;
        Truth.End = Utc(_now);
        Truth.OpenAtEnd = OpenSockets;
        foreach (var t in _afd.Concat(_sockets64).Concat(_sockets32).Concat(_names64).Concat(_names32))
        {
            if (t is null || t.Count == 0) continue;
            var key = new EventKey(t.Schema.Provider.Guid, t.Schema.Id);
            Truth.EventCounts[key] = Truth.EventCounts.GetValueOrDefault(key) + t.Count;
        }
        foreach (var (key, n) in _kernelCounts) Truth.EventCounts[key] = n;
        var ordered = Truth.Findings.OrderBy(f => f.Time).ToList(); // stable: events_lost (at the start) first
        Truth.Findings.Clear();
        Truth.Findings.AddRange(ordered);
        return Truth;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _writer.Dispose();
    }
}
