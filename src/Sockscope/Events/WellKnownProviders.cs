using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Sockscope.Events;

/// <summary>
/// Names of the providers and event classes a Sockscope user meets, for traces that do not name them themselves
/// (manifest providers, whose names live in the manifest on the recording machine, and kernel classes). Only
/// pairs checked against public sources are here; names a trace carries (TraceLogging traits, relogged metadata)
/// are learned by <see cref="ProviderNames"/> instead, and win over this table.
/// </summary>
/// <remarks>
/// How each pair was checked is noted beside it. "name hash" means the GUID is the EventSource/TraceLogging hash of
/// the name (SHA-1 over a fixed namespace and the upper-cased UTF-16BE name, version nibble 5), which ties the two
/// together exactly; "trace metadata" means a relogged sample trace's own TRACE_EVENT_INFO gives this name for this
/// GUID; "schema" means ../shared/schema. Lookups do not allocate.
/// </remarks>
public static class WellKnownProviders
{
    /// <summary>Microsoft-Windows-Winsock-AFD: the AFD driver's socket events.</summary>
    public static readonly Guid WinsockAfd = new("e53c6823-7bb8-44bb-90dc-3f86090d48a6");
    /// <summary>Microsoft-Windows-Winsock-Sockets: the Winsock API's events.</summary>
    public static readonly Guid WinsockSockets = new("bde46aea-2357-51fe-7367-d5296f530bd1");
    /// <summary>Microsoft-Windows-Winsock-NameResolution: Winsock name resolution.</summary>
    public static readonly Guid WinsockNameResolution = new("55404e71-4db9-4deb-a5f5-8f86e46dde56");
    /// <summary>Microsoft-Windows-Winsock-WS2HELP: changes to the Winsock catalog (layered service providers).</summary>
    public static readonly Guid WinsockWs2Help = new("d5c25f9a-4d47-493e-9184-40dd397a004d");
    /// <summary>KernelTraceControl's ImageID class: image identity events added when a trace is merged.</summary>
    public static readonly Guid KernelTraceControlImageId = new("b3e675d7-2554-4f18-830b-2762732560de");
    /// <summary>KernelTraceControl's SystemConfigEx class: build, volume and path events added on merge.</summary>
    public static readonly Guid KernelTraceControlSystemConfigEx = new("9b79ee91-b5fd-41c0-a243-4248e266e9d0");
    /// <summary>
    /// KernelTraceControl's MetaData class (EventMetadataGuid): type 32 carries a TRACE_EVENT_INFO, type 33 a
    /// provider GUID and an EVENT_MAP_INFO, written by the relogger so a trace can be decoded elsewhere.
    /// </summary>
    public static readonly Guid KernelTraceControlMetaData = new("bbccf6c1-6cd1-48c4-80ff-839482e37671");
    /// <summary>KernelTraceControl's WinSat class: the machine's WinSAT assessment (compressed XML) added on merge.</summary>
    public static readonly Guid KernelTraceControlWinSat = new("ed54dff8-c409-4cf6-bf83-05e1e61a09c4");
    /// <summary>Lost_Event: the real-time consumer's RT_LostEvent class.</summary>
    public static readonly Guid LostEvent = new("6a399ae0-4bc6-4de9-870b-3657f8947e7e");

    private static readonly (Guid Guid, string Name)[] Entries =
    [
        // Winsock: ../shared/schema/*.schema.json (provider.guid); Sockets is also its name hash.
        (WinsockAfd, "Microsoft-Windows-Winsock-AFD"),
        (WinsockSockets, "Microsoft-Windows-Winsock-Sockets"),
        (WinsockNameResolution, "Microsoft-Windows-Winsock-NameResolution"),
        (WinsockWs2Help, "Microsoft-Windows-Winsock-WS2HELP"),

        // Networking: TraceEvent's EnableUserProvider calls, krabsetw and logman dumps in public repositories.
        (new("2f07e2ee-15db-40f1-90ef-9d7ba282188a"), "Microsoft-Windows-TCPIP"),
        (new("1c95126e-7eea-49a9-a3fe-a378b03ddb4d"), "Microsoft-Windows-DNS-Client"), // also trace metadata
        (new("7dd42a49-5329-4832-8dfd-43d979153a88"), "Microsoft-Windows-Kernel-Network"),
        (new("43d1a55c-76d6-4f7e-995c-64c711e5cafe"), "Microsoft-Windows-WinINet"),
        (new("7d44233d-3055-4b9c-ba64-0d47ca40a232"), "Microsoft-Windows-WinHttp"),
        (new("50b3e73c-9370-461d-bb9f-26f32d68887d"), "Microsoft-Windows-WebIO"),
        (new("2ed6006e-4729-4609-b423-3ee7bcd678ef"), "Microsoft-Windows-NDIS-PacketCapture"),
        (new("83ed54f0-4d48-4e45-b16e-726ffd1fa4af"), "Microsoft-Windows-Networking-Correlation"),
        (new("4d4f80d9-c8bd-4d73-bb5b-19c90402c5ac"), "Microsoft-Windows-PktMon"), // trace metadata (3 pktmon traces)
        (new("6ad52b32-d609-4be9-ae07-ce8dae937e39"), "Microsoft-Windows-RPC"), // trace metadata, krabsetw

        // Kernel manifest providers.
        (new("22fb2cd6-0e7b-422b-a0c7-2fad1fd0e716"), "Microsoft-Windows-Kernel-Process"), // also trace metadata
        (new("edd08927-9cc4-4e65-b970-c2560fb5c289"), "Microsoft-Windows-Kernel-File"), // also trace metadata
        (new("70eb4f03-c1de-4f73-a051-33d13d5413bd"), "Microsoft-Windows-Kernel-Registry"),
        (new("b675ec37-bdb6-4648-bc92-f3fdc74d3ca2"), "Microsoft-Windows-Kernel-EventTracing"), // TraceEvent, trace metadata

        // Others seen in the samples or beside network traces.
        (new("a0c1853b-5c40-4b15-8766-3cf1c58f985a"), "Microsoft-Windows-PowerShell"),
        (new("315a8872-923e-4ea2-9889-33cd4754bf64"), "Microsoft-Windows-Immersive-Shell"), // trace metadata, baseline
        (new("2a576b87-09a7-520e-c21a-4942f0271d67"), "Microsoft-Antimalware-Scan-Interface"), // name hash
        (new("a8a71ac1-040f-54a2-07ca-00a89b5ab761"), "PerfView"), // name hash, baseline, trace traits

        // .NET: the runtime's manifest providers (trace metadata, TraceEvent) and framework EventSources (their
        // [EventSource] attributes; the ones without an explicit Guid are their name hash).
        (new("e13c0d23-ccbc-4e12-931b-d9cc2eee27e4"), "Microsoft-Windows-DotNETRuntime"),
        (new("a669021c-c450-4609-a035-5af59af4df18"), "Microsoft-Windows-DotNETRuntimeRundown"),
        (new("763fd754-7086-4dfe-95eb-c01a46faf4ca"), "Microsoft-Windows-DotNETRuntimePrivate"),
        (new("2e5dba47-a3d2-4d16-8ee0-6671ffdcd7b5"), "System.Threading.Tasks.TplEventSource"),
        (new("8e9f5090-2d75-4d03-8a81-e5afbf85daf1"), "System.Diagnostics.Eventing.FrameworkEventSource"),
        (new("49592c0f-5a05-516d-aa4b-a64e02026c89"), "System.Runtime"),
        (new("d5b2e7d4-b6ec-50ae-7cde-af89427ad21f"), "System.Net.Sockets"),
        (new("4b326142-bfb5-5ed3-8585-7714181d14b0"), "System.Net.NameResolution"),
        (new("d30b5633-7ef1-5485-b4e0-94979b102068"), "System.Net.Http"),
        (new("7beee6b1-e3fa-5ddb-34be-1404ad0e2520"), "System.Net.Security"),
        (new("ae391de7-a2cb-557c-dd34-fe00d0b98c7f"), "Private.InternalDiagnostics.System.Net.Sockets"),
        (new("460a591a-715b-5647-5264-944bef811147"), "Private.InternalDiagnostics.System.Net.NameResolution"),
        (new("a60cec70-947b-5b80-efe2-7c5547b99b3d"), "Private.InternalDiagnostics.System.Net.Http"),

        // KernelTraceControl's classes in merged and relogged files, named as TraceEvent's SymbolTraceEventParser
        // does (provider/task); TraceEvent has the ImageID, MetaData and WinSat GUIDs, and public C ETL readers define
        // ImageIdGuid, SystemConfigExGuid and EventMetadataGuid (SystemConfigEx is TraceEvent's "SysConfig").
        (KernelTraceControlImageId, "KernelTraceControl/ImageID"),
        (KernelTraceControlSystemConfigEx, "KernelTraceControl/SystemConfigEx"),
        (KernelTraceControlMetaData, "KernelTraceControl/MetaData"),
        (KernelTraceControlWinSat, "KernelTraceControl/WinSat"),

        // The kernel logger itself and the real-time lost-event class (MSNT_SystemTrace MOF).
        (KernelEventGroups.SystemTraceControl, "MSNT_SystemTrace"),
        (LostEvent, "Lost_Event"),
    ];

    private static readonly FrozenDictionary<Guid, string> ByGuid = BuildByGuid();
    private static readonly FrozenDictionary<string, Guid> ByName =
        ByGuid.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);

    private static FrozenDictionary<Guid, string> BuildByGuid()
    {
        var all = new Dictionary<Guid, string>();
        // Kernel classes too: relogged files carry them in classic headers with the class GUID as provider.
        foreach (var (guid, name) in KernelEventGroups.Classes) all.Add(guid, name);
        foreach (var (guid, name) in Entries) all.Add(guid, name);
        return all.ToFrozenDictionary();
    }

    /// <summary>Every GUID and name in the table.</summary>
    public static IReadOnlyDictionary<Guid, string> All => ByGuid;

    /// <summary>How many providers and classes the table names.</summary>
    public static int Count => ByGuid.Count;

    /// <summary>The name of a provider or event class.</summary>
    public static bool TryGetName(Guid provider, [MaybeNullWhen(false)] out string name) =>
        ByGuid.TryGetValue(provider, out name);

    /// <summary>The GUID of a provider or event class by its name, ignoring case.</summary>
    public static bool TryGetGuid(string name, out Guid provider)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ByName.TryGetValue(name, out provider);
    }
}
