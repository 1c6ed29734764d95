namespace Sockscope.Events;

/// <summary>
/// Names the kernel logger's records. SYSTEM, compact and PERFINFO headers carry no provider GUID, only a hook id:
/// a group byte (EVENT_TRACE_GROUP_*) and a type byte. When Windows hands such a record to a consumer it turns the
/// group into the GUID of an event class of the "MSNT_SystemTrace" MOF family and the type into the opcode; this
/// class does the same, so kernel records can be named and filtered like any other provider's.
/// </summary>
/// <remarks>
/// <para>
/// Sources. Group numbers: System Informer's public ntwmi.h (each EVENT_TRACE_GROUP_* beside its GUID constant's
/// name), Geoff Chappell's notes on hook ids, and the group table of dissect.etl and airbus-cert/etl-parser, which
/// read it off sechost.dll. Class GUIDs and names: the MSNT_SystemTrace MOF (Microsoft's wmicore.mof, as kept in
/// microsoft/perfview as kerneltraceeventparser.mof: EventTrace, Process, Thread, DiskIo, Registry, SplitIo, FileIo,
/// TcpIp, UdpIp, Image, PageFault, PerfInfo, StackWalk, ALPC, SystemConfig, ThreadPool, Heap, CritSec), TraceEvent's
/// KernelTraceEventParser (Object), the Win32 metadata's constants, and, for the classes no MOF documents (Job,
/// DbgPrint, WNF, Pool, Power, ModBound, DPC, CC, UMS, the two hypervisor groups), the GUIDs in ntwmi.h-derived
/// headers and in the sechost-derived table, each seen in at least two independent public sources except the
/// hypervisor pair (one lineage: dissect.etl and etl-parser), named after their GUID constants.
/// </para>
/// <para>
/// The class follows the group with one exception: image loads logged in the process group with type 10
/// (EVENT_TRACE_TYPE_LOAD, WMI_LOG_TYPE_PROCESS_LOAD_IMAGE on old kernels) belong to the Image class, as sechost
/// maps them. Everything else that looks opcode-dependent is not: TCP and UDP have their own groups (0x06, 0x08),
/// disk, file and split I/O theirs (0x01, 0x04, 0x1B), and the classes within a group (PerfInfo's SampledProfile,
/// SysCallEnter, ISR and DPC; PageFault's HardFault and VirtualAlloc; Thread's CSwitch) share the group's GUID.
/// Group 0x0C (spare) has no class, and Lost_Event ({6a399ae0-...}) comes from the real-time consumer, never from a
/// group byte in a file, so both are left out.
/// </para>
/// </remarks>
internal static class KernelEventGroups
{
    /// <summary>MSNT_SystemTrace, the parent of every kernel event class and the kernel logger's control GUID.</summary>
    public static readonly Guid SystemTraceControl = new("9e814aad-3204-11d2-9a82-006008a86939");

    /// <summary>EventTraceEvent: the logfile header, header extensions, rundown markers (group 0x00).</summary>
    public static readonly Guid EventTrace = new("68fdd900-4a3e-11d1-84f4-0000f80464e3");
    /// <summary>DiskIo: physical disk I/O and driver delays (group 0x01).</summary>
    public static readonly Guid DiskIo = new("3d6fa8d4-fe05-11d0-9dda-00c04fd7ba7c");
    /// <summary>PageFault (PageFault_V2): page faults, hard faults, VirtualAlloc (group 0x02).</summary>
    public static readonly Guid PageFault = new("3d6fa8d3-fe05-11d0-9dda-00c04fd7ba7c");
    /// <summary>Process (group 0x03).</summary>
    public static readonly Guid Process = new("3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c");
    /// <summary>FileIo: file names and file operations (group 0x04).</summary>
    public static readonly Guid FileIo = new("90cbdc39-4a3e-11d1-84f4-0000f80464e3");
    /// <summary>Thread: thread start/end, context switches, ready thread (group 0x05).</summary>
    public static readonly Guid Thread = new("3d6fa8d1-fe05-11d0-9dda-00c04fd7ba7c");
    /// <summary>TcpIp: the kernel's TCP send/receive/connect events, IPv4 and IPv6 (group 0x06).</summary>
    public static readonly Guid TcpIp = new("9a280ac0-c8e0-11d1-84e2-00c04fb998a2");
    /// <summary>Job objects (group 0x07).</summary>
    public static readonly Guid Job = new("3282fc76-feed-498e-8aa7-e70f459d430e");
    /// <summary>UdpIp: the kernel's UDP send/receive events (group 0x08).</summary>
    public static readonly Guid UdpIp = new("bf3a50c5-a9c9-4988-a005-2df0b7c80f80");
    /// <summary>Registry (group 0x09).</summary>
    public static readonly Guid Registry = new("ae53722e-c863-11d2-8659-00c04fa321a1");
    /// <summary>DbgPrint: debug print output (group 0x0A).</summary>
    public static readonly Guid DbgPrint = new("13976d09-a327-438c-950b-7f03192815c7");
    /// <summary>SystemConfig (EventTraceConfigGuid): hardware and configuration rundown (group 0x0B).</summary>
    public static readonly Guid SystemConfig = new("01853a65-418f-4f36-aefc-dc0f1d2fd235");
    /// <summary>Windows Notification Facility (group 0x0D).</summary>
    public static readonly Guid Wnf = new("42695762-ea50-497a-9068-5cbbb35e0b95");
    /// <summary>Pool allocations (group 0x0E).</summary>
    public static readonly Guid Pool = new("0268a8b6-74fd-4302-9dd0-6e8f1795c0cf");
    /// <summary>PerfInfo: sampled profile, system calls, ISR, DPC, profile intervals (group 0x0F).</summary>
    public static readonly Guid PerfInfo = new("ce1dbfb4-137e-4da6-87b0-3f59aa102cbc");
    /// <summary>Heap (group 0x10).</summary>
    public static readonly Guid Heap = new("222962ab-6180-4b88-a825-346b75f2a24a");
    /// <summary>Object manager: handles and objects (group 0x11).</summary>
    public static readonly Guid Object = new("89497f50-effe-4440-8cf2-ce6b1cdcaca7");
    /// <summary>Power (group 0x12).</summary>
    public static readonly Guid Power = new("e43445e0-0903-48c3-b878-ff0fccebdd04");
    /// <summary>ModBound (group 0x13).</summary>
    public static readonly Guid ModBound = new("a9152f00-3f58-4bee-92a1-70c7d079d5dd");
    /// <summary>Image: image loads and unloads (group 0x14, and group 0x03 type 10).</summary>
    public static readonly Guid Image = new("2cb15d1d-5fc1-11d2-abe1-00a0c911f518");
    /// <summary>DPC (group 0x15).</summary>
    public static readonly Guid Dpc = new("b2d14872-7c5b-463d-8419-ee9bf7d23e04");
    /// <summary>Cache manager (group 0x16).</summary>
    public static readonly Guid Cc = new("7687a439-f752-45b8-b741-321aec0f8df9");
    /// <summary>Critical sections (group 0x17).</summary>
    public static readonly Guid CritSec = new("3ac66736-cc59-4cff-8115-8df50e39816b");
    /// <summary>StackWalk: kernel stack traces (group 0x18).</summary>
    public static readonly Guid StackWalk = new("def2fe46-7bd6-4b80-bd94-f57fe20d0ce3");
    /// <summary>User-mode scheduling (group 0x19).</summary>
    public static readonly Guid Ums = new("9aec974b-5b8e-4118-9b92-3186d8002ce5");
    /// <summary>ALPC (group 0x1A).</summary>
    public static readonly Guid Alpc = new("45d8cccd-539f-4b72-a8b7-5c683142609a");
    /// <summary>SplitIo (group 0x1B).</summary>
    public static readonly Guid SplitIo = new("d837ca92-12b9-44a5-ad6a-3a65b3578aa8");
    /// <summary>ThreadPool (group 0x1C).</summary>
    public static readonly Guid ThreadPool = new("c861d0e2-a2c1-4d36-9f9c-970bab943a12");
    /// <summary>Hypervisor (group 0x1D).</summary>
    public static readonly Guid Hypervisor = new("7f2a405c-69b5-4bf9-a1f5-30e8f1afab5e");
    /// <summary>HypervisorX (group 0x1E).</summary>
    public static readonly Guid HypervisorX = new("2ce9a149-effe-42f0-a635-a1d39e26c8f2");

    /// <summary>How many groups the kernel defines, 0x00 to 0x1E (ntwmi.h's MAX_KERNEL_TRACE_EVENTS).</summary>
    public const int GroupCount = 0x1F;

    private const byte ProcessGroup = 0x03;
    private const byte TypeLoad = 10;

    // Indexed by group; a null name marks a group with no class. Names are the MOF classes' display names where a MOF
    // documents the class, else the name of the GUID constant in ntwmi.h without its "Guid" suffix.
    private static readonly (Guid Guid, string? Name)[] ByGroup =
    [
        (EventTrace, "EventTrace"),     // 0x00 header
        (DiskIo, "DiskIo"),             // 0x01 IO
        (PageFault, "PageFault"),       // 0x02 memory
        (Process, "Process"),           // 0x03 process
        (FileIo, "FileIo"),             // 0x04 file
        (Thread, "Thread"),             // 0x05 thread
        (TcpIp, "TcpIp"),               // 0x06 TCP/IP
        (Job, "Job"),                   // 0x07 job
        (UdpIp, "UdpIp"),               // 0x08 UDP/IP
        (Registry, "Registry"),         // 0x09 registry
        (DbgPrint, "DbgPrint"),         // 0x0A dbgprint
        (SystemConfig, "SystemConfig"), // 0x0B config
        (Guid.Empty, null),             // 0x0C spare1
        (Wnf, "Wnf"),                   // 0x0D WNF
        (Pool, "Pool"),                 // 0x0E pool
        (PerfInfo, "PerfInfo"),         // 0x0F perfinfo
        (Heap, "Heap"),                 // 0x10 heap
        (Object, "Object"),             // 0x11 object
        (Power, "Power"),               // 0x12 power
        (ModBound, "ModBound"),         // 0x13 modbound
        (Image, "Image"),               // 0x14 image
        (Dpc, "Dpc"),                   // 0x15 DPC
        (Cc, "Cc"),                     // 0x16 cache manager
        (CritSec, "CritSec"),           // 0x17 critsec
        (StackWalk, "StackWalk"),       // 0x18 stackwalk
        (Ums, "Ums"),                   // 0x19 UMS
        (Alpc, "ALPC"),                 // 0x1A ALPC
        (SplitIo, "SplitIo"),           // 0x1B split I/O
        (ThreadPool, "ThreadPool"),     // 0x1C thread pool
        (Hypervisor, "Hypervisor"),     // 0x1D hypervisor
        (HypervisorX, "HypervisorX"),   // 0x1E hypervisorX
    ];

    /// <summary>
    /// The event class of a kernel record from its group (the high byte of the hook id) and type (the opcode).
    /// </summary>
    /// <returns>false for a group with no known class (spare, or beyond 0x1E).</returns>
    public static bool TryGet(byte group, byte opcode, out Guid classGuid, out string className)
    {
        if (group == ProcessGroup && opcode == TypeLoad)
            group = 0x14;
        if (group < ByGroup.Length && ByGroup[group].Name is { } name)
        {
            classGuid = ByGroup[group].Guid;
            className = name;
            return true;
        }
        classGuid = Guid.Empty;
        className = string.Empty;
        return false;
    }

    /// <summary>Every known class once (the process group's image loads share the Image class).</summary>
    internal static IEnumerable<(Guid Guid, string Name)> Classes
    {
        get
        {
            foreach (var (guid, name) in ByGroup)
                if (name is not null) yield return (guid, name);
        }
    }
}
