using System.Buffers.Binary;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Etl;

/// <summary>Extended data items of EVENT_HEADER records: every kind written and read back, and the real ones.</summary>
public class ExtendedDataTests
{
    [Fact]
    public void Every_item_kind_reads_back_with_typed_values()
    {
        using var dir = new TempDir();
        string path = dir.File("ext.etl");
        var related = Guid.Parse("11111111-2222-3333-4444-555555555555");
        var parent = Guid.Parse("66666666-7777-8888-9999-aaaaaaaaaaaa");
        var stack32 = new byte[8 + 3 * 4];
        BinaryPrimitives.WriteUInt64LittleEndian(stack32, 77);
        for (int i = 0; i < 3; i++) BinaryPrimitives.WriteUInt32LittleEndian(stack32.AsSpan(8 + 4 * i), 0x7710_0000u + (uint)i);
        var stack64 = new byte[8 + 2 * 8];
        BinaryPrimitives.WriteUInt64LittleEndian(stack64, 78);
        BinaryPrimitives.WriteUInt64LittleEndian(stack64.AsSpan(8), 0xFFFFF800_12345678);
        BinaryPrimitives.WriteUInt64LittleEndian(stack64.AsSpan(16), 0x00007FF6_00001000);
        var instance = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(instance, 5);
        BinaryPrimitives.WriteUInt32LittleEndian(instance.AsSpan(4), 3);
        parent.TryWriteBytes(instance.AsSpan(8));
        var sid = new byte[] { 1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0 };
        var items = new ExtendedDataItemValue[]
        {
            new(ExtendedDataType.RelatedActivityId, related.ToByteArray()),
            new(ExtendedDataType.Sid, sid),
            new(ExtendedDataType.TerminalSessionId, BitConverter.GetBytes(2u)),
            new(ExtendedDataType.InstanceInfo, instance),
            new(ExtendedDataType.StackTrace32, stack32),
            new(ExtendedDataType.StackTrace64, stack64),
            new(ExtendedDataType.ProviderTraits, new byte[] { 8, 0, (byte)'P', (byte)'r', (byte)'v', 0, 0, 0 }),
            new(ExtendedDataType.EventSchemaTraceLogging, new byte[] { 1, 2, 3 }),
            new(ExtendedDataType.EventKey, BitConverter.GetBytes(0x1234_5678_9ABCUL)),
        };
        using (var w = EtlWriter.Create(path))
            w.WriteEvent(0, new EventHeaderValues { ProviderId = Guid.NewGuid(), Id = 9, Timestamp = 1_000_000_001 }, [0xAA], items);

        using var reader = EtlReader.Open(path);
        Assert.True(reader.TryRead(out _));
        Assert.True(reader.TryRead(out var r));
        Assert.True(r.TryGetRelatedActivityId(out var got));
        Assert.Equal(related, got);
        Assert.Equal(sid, r.UserSid.ToArray());
        Assert.Equal(2, r.TerminalSessionId);
        Assert.Equal(new byte[] { 0xAA }, r.UserData.ToArray());
        var seen = new List<ExtendedDataType>();
        foreach (var item in r.ExtendedData)
        {
            seen.Add(item.Type);
            switch (item.Type)
            {
                case ExtendedDataType.InstanceInfo:
                    Assert.True(item.TryGetInstanceInfo(out uint id, out uint parentId, out var parentGuid));
                    Assert.Equal((5u, 3u, parent), (id, parentId, parentGuid));
                    break;
                case ExtendedDataType.StackTrace32:
                    Assert.True(item.TryGetStackTrace(out ulong match32, out int frames32));
                    Assert.Equal((77UL, 3), (match32, frames32));
                    Assert.Equal(0x7710_0002UL, item.GetStackFrame(2));
                    break;
                case ExtendedDataType.StackTrace64:
                    Assert.True(item.TryGetStackTrace(out ulong match64, out int frames64));
                    Assert.Equal((78UL, 2), (match64, frames64));
                    Assert.Equal(0xFFFFF800_12345678UL, item.GetStackFrame(0));
                    bool thrown = false;
                    try { item.GetStackFrame(2); } catch (ArgumentOutOfRangeException) { thrown = true; }
                    Assert.True(thrown, "a frame past the end must be refused");
                    break;
                case ExtendedDataType.EventKey:
                    Assert.Equal(0x1234_5678_9ABCUL, item.AsUInt64());
                    break;
            }
        }
        Assert.Equal(items.Select(i => i.Type), seen);
    }

    [SharedSamplesFact]
    public void Real_stack_traces_and_related_activities_are_found()
    {
        using var reader = EtlReader.Open(SharedSamples.PathOf("perfview_net.4.5.2.x64.etl"));
        int stacks = 0, related = 0, frames = 0, wow64 = 0;
        while (reader.TryRead(out var r))
        {
            if (r.PointerSize == 4) wow64++;
            if (r.TryGetRelatedActivityId(out var g) && g != Guid.Empty) related++;
            foreach (var item in r.ExtendedData)
            {
                if (!item.TryGetStackTrace(out _, out int n)) continue;
                stacks++;
                frames += n;
                for (int i = 0; i < n; i++) Assert.NotEqual(0UL, item.GetStackFrame(i));
            }
        }
        Assert.Equal(3, related);
        Assert.Equal(655, stacks);
        Assert.Equal(29211, frames);
        Assert.Equal(33407, wow64);
    }
}
