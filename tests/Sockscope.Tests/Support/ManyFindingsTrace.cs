using System.Net;
using Sockscope.Etl.Writing;
using Sockscope.Schema;

namespace Sockscope.Tests.Support;

/// <summary>
/// A trace with as many findings as asked, more than a cap keeps: <see cref="Processes"/> processes with one TCP socket
/// each, connected to a remote endpoint of its own; first <see cref="Notices"/> socket options set (option_changed,
/// info), then <see cref="Aborts"/> aborts (abort, error) on the same sockets, every process in turn. So the first
/// findings found (those a cap keeps) are all notices, and the aborts only the totals count.
/// </summary>
internal static class ManyFindingsTrace
{
    private static readonly Guid Afd = Guid.Parse("E53C6823-7BB8-44BB-90DC-3F86090D48A6");
    private static readonly DateTime Start = new(2026, 6, 2, 4, 0, 0, DateTimeKind.Utc);

    public const int Processes = 3;

    /// <summary>Writes the trace to <paramref name="path"/>: <paramref name="notices"/> option changes, then <paramref name="aborts"/> aborts.</summary>
    public static void Write(string path, int notices, int aborts)
    {
        using var w = EtlWriter.Create(path, new EtlWriterOptions { StartTime = Start });
        long t = 1_000_000_000 + 10_000;
        void Event(ushort id, uint pid, Action<PayloadBuilder> set)
        {
            t += 1000;
            var schema = SchemaCatalog.Winsock.Find(Afd, id, 0)!;
            var b = new PayloadBuilder(schema, 8);
            set(b);
            w.WriteEvent(0, new EventHeaderValues
            {
                ProviderId = Afd, Id = id, Level = (byte)schema.Level.Value, Opcode = (byte)schema.Opcode.Value, Task = (ushort)schema.Task.Value,
                Keywords = schema.Keywords, ProcessId = pid, ThreadId = 100, Timestamp = t,
            }, b.ToArray());
        }
        ulong Process(int i) => 0xFFFF_9A0C_1111_0080UL + (ulong)i * 0x1000;
        ulong Endpoint(int i) => 0xFFFF_9A0C_5555_0200UL + (ulong)i * 0x1000;
        uint Pid(int i) => 1000u + (uint)i;
        for (int i = 0; i < Processes; i++)
        {
            int p = i;
            Event(1000, Pid(p), b => b.Set("EnterExit", 0).Set("Location", 1002).Set("Process", Process(p)).Set("Endpoint", Endpoint(p))
                .Set("AddressFamily", 2).Set("SocketType", 1).Set("Protocol", 6).Set("ProcessId", Pid(p)));
            Event(1018, Pid(p), b => b.Set("EnterExit", 0).Set("Location", 5023).Set("Process", Process(p)).Set("Endpoint", Endpoint(p))
                .Set("Address", Sockaddr(IPAddress.Parse($"203.0.113.{10 + p}"), 443)));
        }
        for (int n = 0; n < notices; n++)
        {
            int p = n % Processes;
            Event(1035, Pid(p), b => b.Set("EnterExit", 2).Set("Process", Process(p)).Set("Endpoint", Endpoint(p)).Set("Option", 1).Set("Value", (uint)n));
        }
        for (int n = 0; n < aborts; n++)
        {
            int p = n % Processes;
            Event(1032, Pid(p), b => b.Set("EnterExit", 2).Set("Process", Process(p)).Set("Endpoint", Endpoint(p)).Set("Reason", 1));
        }
    }

    private static byte[] Sockaddr(IPAddress address, int port)
    {
        var sa = new byte[16];
        sa[0] = 2;
        sa[2] = (byte)(port >> 8);
        sa[3] = (byte)port;
        address.GetAddressBytes().CopyTo(sa, 4);
        return sa;
    }
}
