using System.Buffers.Binary;
using System.Diagnostics;
using Sockscope.Etl.Writing;

namespace Sockscope.Bench;

/// <summary>
/// Writes a large trace of Winsock-like EVENT_HEADER events (AFD provider, ids 1000–1037, 40–160-byte payloads of
/// pointers, sizes and addresses that change from event to event) spread over several processors.
/// </summary>
internal static class TraceGenerator
{
    private static readonly Guid Afd = new("E53C6823-7BB8-44BB-90DC-3F86090D48A6");

    public static int Run(string[] args)
    {
        string path = args[0];
        long megabytes = Option(args, "--mb", 1024);
        int cpus = (int)Option(args, "--cpus", 4);
        bool compress = args.Contains("--compress");
        long maxEvents = Option(args, "--events", long.MaxValue);
        var sw = Stopwatch.StartNew();
        long events = Generate(path, megabytes * 1024 * 1024, cpus, compress, maxEvents);
        Console.WriteLine($"wrote {path}: {new FileInfo(path).Length:N0} bytes, {events:N0} events, {(compress ? "XPRESS" : "uncompressed")}, {sw.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    /// <summary>Writes events until the file reaches <paramref name="targetBytes"/>; returns the event count.</summary>
    public static long Generate(string path, long targetBytes, int cpus, bool compress, long maxEvents = long.MaxValue)
    {
        var rng = new Random(42);
        var options = new EtlWriterOptions { ProcessorCount = cpus, Compress = compress, BufferSize = 64 * 1024, Build = 22631 };
        using var writer = EtlWriter.Create(path, options);
        Span<byte> payload = stackalloc byte[160];
        long t = options.StartTimestamp;
        long count = 0;
        long written = 0;
        long endpoint = 0x0000_8A0C_1234_5000;
        var file = new FileInfo(path);
        while (true)
        {
            for (int i = 0; i < 4096 && count < maxEvents; i++)
            {
                t += 1 + rng.Next(200);
                int size = 40 + rng.Next(15) * 8;
                payload[..size].Clear();
                BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)rng.Next(2)); // EnterExit
                BinaryPrimitives.WriteUInt32LittleEndian(payload[4..], (uint)(rng.Next(8) * 10)); // Location
                BinaryPrimitives.WriteUInt64LittleEndian(payload[8..], (ulong)(endpoint + rng.Next(64) * 0x140));
                BinaryPrimitives.WriteUInt32LittleEndian(payload[16..], (uint)rng.Next(0, 1 << 16)); // byte count
                BinaryPrimitives.WriteUInt16LittleEndian(payload[24..], 2); // AF_INET
                BinaryPrimitives.WriteUInt16BigEndian(payload[26..], (ushort)(443 + rng.Next(4)));
                BinaryPrimitives.WriteUInt32BigEndian(payload[28..], 0x5DB8D822u + (uint)rng.Next(16));
                var h = new EventHeaderValues
                {
                    ProviderId = Afd,
                    Id = (ushort)(1000 + rng.Next(38)),
                    Level = 4,
                    Opcode = (byte)(rng.Next(2) == 0 ? 10 : 12),
                    Task = (ushort)(1 + rng.Next(20)),
                    Keywords = 0x8000_0000_0000_0005,
                    ProcessId = 4000 + (uint)rng.Next(8) * 4,
                    ThreadId = 9000 + (uint)rng.Next(64) * 4,
                    Timestamp = t,
                };
                writer.WriteEvent(rng.Next(cpus), h, payload[..size]);
                written += 0x50 + size;
                count++;
            }
            // Check the file size only now and then: the estimate counts record bytes, compression shrinks them.
            if (count >= maxEvents || (!compress && written >= targetBytes)) break;
            if (compress && count % (1 << 16) == 0)
            {
                file.Refresh();
                if (file.Length >= targetBytes) break;
            }
        }
        return count;
    }

    internal static long Option(string[] args, string name, long fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? long.Parse(args[i + 1]) : fallback;
    }
}
