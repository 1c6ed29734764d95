using Sockscope.Etl;
using Sockscope.Etl.Writing;

namespace Sockscope.Tests.Support;

/// <summary>One event as a test wants it written and expects it read back.</summary>
internal sealed record ModelEvent
{
    public required TraceHeaderType Type { get; init; }
    public required int Processor { get; init; }
    public required long Timestamp { get; init; }
    public uint ProcessId { get; init; }
    public uint ThreadId { get; init; }
    public Guid ProviderId { get; init; }
    public ushort Id { get; init; }
    public byte Version { get; init; }
    public byte Channel { get; init; }
    public byte Level { get; init; }
    public byte Opcode { get; init; }
    public ushort Task { get; init; }
    public ulong Keywords { get; init; }
    public byte Group { get; init; }
    public Guid ActivityId { get; init; }
    public uint InstanceId { get; init; }
    public uint ParentInstanceId { get; init; }
    public Guid ParentGuid { get; init; }
    public ushort MessageOptions { get; init; }
    public uint Sequence { get; init; }
    public byte[] Payload { get; init; } = [];
    public ExtendedDataItemValue[] Extended { get; init; } = [];

    /// <summary>Writes this event with the writer's typed method for its header kind.</summary>
    public void WriteTo(EtlWriter writer)
    {
        switch (Type.Family())
        {
            case TraceHeaderFamily.EventHeader:
                var h = new EventHeaderValues
                {
                    ProviderId = ProviderId, Id = Id, Version = Version, Channel = Channel, Level = Level, Opcode = Opcode,
                    Task = Task, Keywords = Keywords, ProcessId = ProcessId, ThreadId = ThreadId, Timestamp = Timestamp,
                    ActivityId = ActivityId, Is32Bit = Type == TraceHeaderType.EventHeader32,
                };
                writer.WriteEvent(Processor, h, Payload, Extended);
                break;
            case TraceHeaderFamily.System:
            case TraceHeaderFamily.Compact:
            case TraceHeaderFamily.PerfInfo:
                writer.WriteKernelEvent(Processor, Type, Group, Opcode, Version, ThreadId, ProcessId, Timestamp, Payload);
                break;
            case TraceHeaderFamily.FullHeader:
            case TraceHeaderFamily.Instance:
                writer.WriteClassicEvent(Processor, Type, ProviderId, Opcode, Level, Version, ThreadId, ProcessId, Timestamp,
                    Payload, InstanceId, ParentInstanceId, ParentGuid);
                break;
            default:
                writer.WriteMessage(Processor, Id, MessageOptions, ProviderId, Sequence, Timestamp, ThreadId, ProcessId, Payload);
                break;
        }
    }

    /// <summary>Asserts that a record read back is this event.</summary>
    public void AssertMatches(in EtlRecord r, string where)
    {
        Assert.True(Type == r.HeaderType, $"{where}: header type {r.HeaderType}, expected {Type}");
        Assert.True(Timestamp == r.Timestamp, $"{where}: time stamp {r.Timestamp}, expected {Timestamp}");
        Assert.True(Processor == r.ProcessorIndex, $"{where}: processor {r.ProcessorIndex}, expected {Processor}");
        Assert.True(Payload.AsSpan().SequenceEqual(r.UserData), $"{where}: payload differs");
        var family = Type.Family();
        if (family != TraceHeaderFamily.PerfInfo && (family != TraceHeaderFamily.Message || (MessageOptions & 0x20) != 0))
        {
            Assert.Equal(ProcessId, r.ProcessId);
            Assert.Equal(ThreadId, r.ThreadId);
        }
        switch (family)
        {
            case TraceHeaderFamily.EventHeader:
                Assert.Equal(ProviderId, r.ProviderId);
                Assert.Equal(Id, r.Id);
                Assert.Equal(Version, r.Version);
                Assert.Equal(Channel, r.Channel);
                Assert.Equal(Level, r.Level);
                Assert.Equal(Opcode, r.Opcode);
                Assert.Equal(Task, r.Task);
                Assert.Equal(Keywords, r.Keywords);
                Assert.Equal(ActivityId, r.ActivityId);
                Assert.Equal(Type == TraceHeaderType.EventHeader32 ? 4 : 8, r.PointerSize);
                int n = 0;
                foreach (var item in r.ExtendedData)
                {
                    Assert.True(n < Extended.Length, $"{where}: more extended items than written");
                    Assert.Equal(Extended[n].Type, item.Type);
                    Assert.True(Extended[n].Data.Span.SequenceEqual(item.Data), $"{where}: extended item {n} differs");
                    n++;
                }
                Assert.Equal(Extended.Length, n);
                break;
            case TraceHeaderFamily.FullHeader:
            case TraceHeaderFamily.Instance:
                Assert.Equal(ProviderId, r.ProviderId);
                Assert.Equal(Opcode, r.Opcode);
                Assert.Equal(Level, r.Level);
                Assert.Equal(Version, r.Version);
                bool instance = family == TraceHeaderFamily.Instance;
                Assert.Equal(instance ? InstanceId : 0u, r.InstanceId);
                Assert.Equal(instance ? ParentInstanceId : 0u, r.ParentInstanceId);
                Assert.Equal(instance ? ParentGuid : Guid.Empty, r.ParentGuid);
                break;
            case TraceHeaderFamily.Message:
                Assert.Equal(Id, r.Id);
                Assert.Equal(MessageOptions, r.MessageFlags);
                Assert.Equal((MessageOptions & 0x02) != 0 && (MessageOptions & 0x04) == 0 ? ProviderId : Guid.Empty, r.ProviderId);
                Assert.Equal((MessageOptions & 0x01) != 0 ? Sequence : 0u, r.MessageSequence);
                break;
            default:
                Assert.Equal(Group, r.Group);
                Assert.Equal(Opcode, r.Opcode);
                Assert.Equal((ushort)(Group << 8 | Opcode), r.HookId);
                Assert.Equal(Version, r.Version);
                break;
        }
    }
}

/// <summary>Makes varied events of every header kind, deterministically from a seed.</summary>
internal static class TraceModel
{
    public static readonly TraceHeaderType[] AllTypes = Enum.GetValues<TraceHeaderType>();

    /// <summary>
    /// <paramref name="count"/> events with strictly increasing time stamps spread over the processors, cycling
    /// through <paramref name="types"/>.
    /// </summary>
    public static List<ModelEvent> Make(int count, int processors, TraceHeaderType[] types, int seed, long start = 1_000_000_000)
    {
        var rng = new Random(seed);
        var list = new List<ModelEvent>(count);
        long t = start;
        for (int i = 0; i < count; i++)
        {
            t += 1 + rng.Next(5000);
            var type = types[i % types.Length];
            var payload = new byte[rng.Next(0, 300)];
            rng.NextBytes(payload);
            var ext = Array.Empty<ExtendedDataItemValue>();
            if (type.Family() == TraceHeaderFamily.EventHeader && i % 3 == 0)
            {
                var related = Guid.NewGuid().ToByteArray();
                var sid = new byte[] { 1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0 };
                var stack = new byte[8 + 8 * (1 + rng.Next(6))];
                rng.NextBytes(stack);
                ext = [new(ExtendedDataType.RelatedActivityId, related), new(ExtendedDataType.Sid, sid), new(ExtendedDataType.StackTrace64, stack)];
            }
            ushort options = type == TraceHeaderType.Message ? (ushort)(new ushort[] { 0x2B, 0x2F, 0x29, 0x0B }[i % 4]) : (ushort)0;
            list.Add(new ModelEvent
            {
                Type = type,
                Processor = rng.Next(processors),
                Timestamp = t,
                ProcessId = (uint)rng.Next(4, 40000),
                ThreadId = (uint)rng.Next(4, 40000),
                ProviderId = new Guid(rng.Next(), (short)rng.Next(), (short)rng.Next(), 1, 2, 3, 4, 5, 6, 7, (byte)i),
                Id = (ushort)rng.Next(1, 5000),
                Version = (byte)rng.Next(0, 4),
                Channel = (byte)rng.Next(0, 17),
                Level = (byte)rng.Next(0, 6),
                Opcode = (byte)rng.Next(0, 256),
                Task = (ushort)rng.Next(0, 5000),
                Keywords = (ulong)rng.NextInt64(),
                Group = (byte)rng.Next(0, 32),
                ActivityId = i % 2 == 0 ? Guid.NewGuid() : Guid.Empty,
                InstanceId = (uint)rng.Next(),
                ParentInstanceId = (uint)rng.Next(),
                ParentGuid = Guid.NewGuid(),
                MessageOptions = options,
                Sequence = (uint)i,
                Payload = payload,
                Extended = ext,
            });
        }
        return list;
    }

    /// <summary>Writes events to a new file and returns its path.</summary>
    public static string Write(string path, IEnumerable<ModelEvent> events, EtlWriterOptions options)
    {
        using var writer = EtlWriter.Create(path, options);
        foreach (var e in events) e.WriteTo(writer);
        return path;
    }
}

/// <summary>A temporary folder removed when disposed.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("sockscope-test-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
