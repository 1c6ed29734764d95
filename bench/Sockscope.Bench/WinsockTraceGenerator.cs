using System.Buffers.Binary;
using System.Diagnostics;
using Sockscope.Decoding;
using Sockscope.Etl.Writing;
using Sockscope.Schema;

namespace Sockscope.Bench;

/// <summary>
/// Writes a large trace of current-Windows AFD events laid out from the catalog (create, bind, connect, send,
/// receive, datagrams, options, close), so that every event decodes against its template. Each event kind's payload
/// is built once with <see cref="PayloadBuilder"/>; per event only the endpoint, buffer and byte counts change.
/// </summary>
internal static class WinsockTraceGenerator
{
    private static readonly Guid Afd = new("E53C6823-7BB8-44BB-90DC-3F86090D48A6");
    private static readonly (ushort Id, int Weight)[] Mix =
    [
        (1000, 2), (1030, 2), (1018, 1), (1021, 1), (1003, 20), (1004, 20), (1009, 6), (1013, 6), (3003, 8),
        (1035, 2), (1033, 1), (1032, 1), (1001, 2), (1002, 2), (1037, 1), (1027, 1),
    ];

    public static int Run(string[] args)
    {
        string path = args[0];
        long events = TraceGenerator.Option(args, "--events", 1_000_000);
        int cpus = (int)TraceGenerator.Option(args, "--cpus", 2);
        bool compress = args.Contains("--compress");
        var sw = Stopwatch.StartNew();
        Generate(path, events, cpus, compress);
        Console.WriteLine($"wrote {path}: {new FileInfo(path).Length:N0} bytes, {events:N0} AFD events, {sw.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    public static void Generate(string path, long count, int cpus, bool compress)
    {
        var catalog = SchemaCatalog.Winsock;
        var decoder = new EventDecoder(catalog);
        var kinds = new List<(EventSchema Schema, byte[] Payload, int Endpoint, int Length)>();
        var address4 = new byte[] { 2, 0, 1, 187, 93, 184, 216, 34, 0, 0, 0, 0, 0, 0, 0, 0 };
        foreach (var (id, weight) in Mix)
        {
            var schema = catalog.Find(Afd, id, 0)!;
            var b = new PayloadBuilder(schema, 8);
            foreach (var f in schema.Fields)
            {
                switch (f.Name)
                {
                    case "Process": b.Set(f.Name, 0xFFFF_C70A_1234_5080UL); break;
                    case "Endpoint" or "AcceptEndpoint": b.Set(f.Name, 0xFFFF_C70A_5555_0000UL); break;
                    case "Address" when f.OutType == OutType.SocketAddress: b.Set(f.Name, address4); break;
                    case "AddressFamily": b.Set(f.Name, 2UL); break;
                    case "SocketType": b.Set(f.Name, 1UL); break;
                    case "Protocol": b.Set(f.Name, 6UL); break;
                    case "BufferCount": b.Set(f.Name, 1UL); break;
                    case "Buffer": b.Set(f.Name, 0x0000_01D3_4400_0000UL); break;
                    case "Location": b.Set(f.Name, 3014UL); break;
                }
            }
            var payload = b.ToArray();
            var decoded = decoder.Decode(schema, payload, 8);
            int endpoint = schema.IndexOf("Endpoint") is int e && e >= 0 ? decoded.Values[e].Offset : -1;
            int length = schema.IndexOf("BufferLength") is int l && l >= 0 ? decoded.Values[l].Offset : -1;
            for (int w = 0; w < weight; w++) kinds.Add((schema, payload, endpoint, length));
        }
        var rng = new Random(42);
        var options = new EtlWriterOptions { ProcessorCount = cpus, Compress = compress, BufferSize = 64 * 1024, Build = 26100 };
        using var writer = EtlWriter.Create(path, options);
        long t = options.StartTimestamp;
        for (long i = 0; i < count; i++)
        {
            var (schema, payload, endpoint, length) = kinds[rng.Next(kinds.Count)];
            if (endpoint >= 0) BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(endpoint), 0xFFFF_C70A_5555_0000UL + (ulong)rng.Next(4096) * 0x200);
            if (length >= 0) BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(length), (uint)rng.Next(1, 65536));
            BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)rng.Next(2)); // EnterExit
            t += 1 + rng.Next(100);
            var h = new EventHeaderValues
            {
                ProviderId = Afd, Id = schema.Id, Version = schema.Version, Level = (byte)schema.Level.Value,
                Opcode = (byte)schema.Opcode.Value, Task = (ushort)schema.Task.Value, Keywords = schema.Keywords,
                ProcessId = 4000 + (uint)rng.Next(16) * 4, ThreadId = 9000 + (uint)rng.Next(64) * 4, Timestamp = t,
            };
            writer.WriteEvent(rng.Next(cpus), h, payload);
        }
    }
}
