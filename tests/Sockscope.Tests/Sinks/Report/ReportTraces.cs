using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Schema;

namespace Sockscope.Tests.Sinks.Report;

/// <summary>Traces and page helpers the report's tests share.</summary>
public static partial class ReportTraces
{
    /// <summary>A process name that would run script if any part of the page put it into HTML as markup.</summary>
    public const string HostileName = "<img src=x onerror=alert(1)></script><script>alert(2)</script>";
    /// <summary>A name that must show as these characters, not as what they mean in HTML.</summary>
    public const string EntityName = "a&amp;b&lt;c\"d'e.exe";

    private static readonly Guid Afd = Guid.Parse("E53C6823-7BB8-44BB-90DC-3F86090D48A6");
    private static readonly DateTime Start = new(2026, 6, 2, 4, 0, 0, DateTimeKind.Utc);
    public const ulong HostileProcess = 0xFFFF_9A0C_7777_0080, EntityProcess = 0xFFFF_9A0C_8888_0080;
    public const uint HostilePid = 6660, EntityPid = 6661;

    /// <summary>
    /// Writes a small trace whose kernel Process rundown names two processes <see cref="HostileName"/> and
    /// <see cref="EntityName"/>: the first opens a connection that is refused, then one that sends and receives;
    /// the second opens one that is aborted.
    /// </summary>
    public static void WriteHostile(string path)
    {
        using var w = EtlWriter.Create(path, new EtlWriterOptions { StartTime = Start, ProcessorCount = 1 });
        long t = 1_000_000_000 + 10_000;
        WriteProcess(w, ref t, HostileProcess, HostilePid, HostileName);
        WriteProcess(w, ref t, EntityProcess, EntityPid, EntityName);

        void Event(ushort id, uint pid, ulong process, ulong endpoint, int enterExit, Action<PayloadBuilder>? set = null)
        {
            t += 5_000;
            var schema = SchemaCatalog.Winsock.Find(Afd, id, 0)!;
            var b = new PayloadBuilder(schema, 8).Set("EnterExit", (ulong)enterExit).Set("Process", process).Set("Endpoint", endpoint);
            set?.Invoke(b);
            w.WriteEvent(0, new EventHeaderValues
            {
                ProviderId = Afd, Id = id, Level = (byte)schema.Level.Value, Opcode = (byte)schema.Opcode.Value, Task = (ushort)schema.Task.Value,
                Keywords = schema.Keywords, ProcessId = pid, ThreadId = 100, Timestamp = t,
            }, b.ToArray());
        }
        void Create(uint pid, ulong process, ulong ep) =>
            Event(1000, pid, process, ep, 0, b => b.Set("AddressFamily", 2).Set("SocketType", 1).Set("Protocol", 6).Set("ProcessId", pid));

        const ulong refused = 0xFFFF_9A0C_5555_0200, worked = 0xFFFF_9A0C_5555_0400, aborted = 0xFFFF_9A0C_5555_0600;
        Create(HostilePid, HostileProcess, refused);
        Event(1018, HostilePid, HostileProcess, refused, 0, b => b.Set("Address", V4("192.0.2.10", 443)));
        Event(1018, 4, HostileProcess, refused, 1, b => b.Set("Address", V4("192.0.2.10", 443)).Set("Status", 0xC0000236));
        Event(1001, HostilePid, HostileProcess, refused, 1);
        Create(HostilePid, HostileProcess, worked);
        Event(1018, HostilePid, HostileProcess, worked, 0, b => b.Set("Address", V4("198.51.100.7", 443)));
        Event(1018, 4, HostileProcess, worked, 1, b => b.Set("Address", V4("198.51.100.7", 443)));
        Event(1003, HostilePid, HostileProcess, worked, 0, b => b.Set("Buffer", 0x1000).Set("BufferLength", 700));
        Event(1003, 4, HostileProcess, worked, 1, b => b.Set("Buffer", 0x1000).Set("BufferLength", 700));
        Event(1004, HostilePid, HostileProcess, worked, 0, b => b.Set("Buffer", 0x2000).Set("BufferLength", 17408));
        Event(1004, 4, HostileProcess, worked, 1, b => b.Set("Buffer", 0x2000).Set("BufferLength", 9000));
        Event(1001, HostilePid, HostileProcess, worked, 1);
        Create(EntityPid, EntityProcess, aborted);
        Event(1018, EntityPid, EntityProcess, aborted, 0, b => b.Set("Address", V4("203.0.113.5", 80)));
        Event(1032, 4, EntityProcess, aborted, 2, b => b.Set("Reason", 4));
        Event(1001, EntityPid, EntityProcess, aborted, 1);
    }

    /// <summary>A provider no catalog or well-known list names: the page shows its GUID.</summary>
    public static readonly Guid UnknownProvider = Guid.Parse("6B2C9D3A-1F4E-4C8B-9E61-0A7D5C3B2F10");

    /// <summary>Writes a trace with no Winsock event: two kernel Process rundown records and three of <see cref="UnknownProvider"/>.</summary>
    public static void WriteWithoutWinsock(string path)
    {
        using var w = EtlWriter.Create(path, new EtlWriterOptions { StartTime = Start, ProcessorCount = 1 });
        long t = 1_000_000_000 + 10_000;
        WriteProcess(w, ref t, HostileProcess, 4100, "worker.exe");
        WriteProcess(w, ref t, EntityProcess, 4200, "helper.exe");
        for (int i = 0; i < 3; i++)
        {
            t += 5_000;
            w.WriteEvent(0, new EventHeaderValues { ProviderId = UnknownProvider, Id = 7, Level = 4, ProcessId = 4100, ThreadId = 100, Timestamp = t }, new byte[8]);
        }
    }

    // Process_V4 DCStart (group 3, opcode 3): UniqueProcessKey, ProcessId, ParentId, SessionId, ExitStatus,
    // DirectoryTableBase, Flags, then no SID (a zero), ImageFileName (ANSI), CommandLine, PackageFullName, ApplicationId.
    private static void WriteProcess(EtlWriter w, ref long t, ulong eprocess, uint pid, string image)
    {
        var d = new List<byte>();
        void U64(ulong v) { var b = new byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); d.AddRange(b); }
        void U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); d.AddRange(b); }
        U64(eprocess);
        U32(pid);
        U32(4);
        U32(1);
        U32(259);
        U64(0x1AD000);
        U32(0);
        U32(0);
        d.AddRange(Encoding.Latin1.GetBytes(image));
        d.Add(0);
        d.AddRange(Encoding.Unicode.GetBytes(image));
        d.AddRange(new byte[6]);
        t += 1_000;
        w.WriteKernelEvent(0, TraceHeaderType.System64, 3, 3, 4, 100, pid, t, d.ToArray());
    }

    private static byte[] V4(string address, int port)
    {
        var sa = new byte[16];
        sa[0] = 2;
        sa[2] = (byte)(port >> 8);
        sa[3] = (byte)port;
        IPAddress.Parse(address).GetAddressBytes().CopyTo(sa, 4);
        return sa;
    }

    [GeneratedRegex("<script type=\"application/json\" id=\"sockscope-data\">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex DataElement();

    /// <summary>The JSON text embedded in a report page.</summary>
    public static string DataText(string page)
    {
        var m = DataElement().Match(page);
        Assert.True(m.Success, "the page has no sockscope-data element");
        return m.Groups[1].Value;
    }

    /// <summary>The data embedded in a report page, parsed.</summary>
    public static JsonDocument Data(string page) => JsonDocument.Parse(DataText(page));
}
