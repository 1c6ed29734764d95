using System.Buffers.Binary;

namespace Sockscope.Etl;

/// <summary>One extended data item of an EVENT_HEADER record, as laid out in the file.</summary>
public readonly ref struct ExtendedDataItem
{
    /// <summary>The item's type.</summary>
    public ExtendedDataType Type { get; }
    /// <summary>The item's bytes.</summary>
    public ReadOnlySpan<byte> Data { get; }

    internal ExtendedDataItem(ExtendedDataType type, ReadOnlySpan<byte> data)
    {
        Type = type;
        Data = data;
    }

    /// <summary>A 64-bit item such as the event key or process start key (0 when too short).</summary>
    public ulong AsUInt64() => Data.Length >= 8 ? BinaryPrimitives.ReadUInt64LittleEndian(Data) : 0;

    /// <summary>
    /// For a stack-trace item: the match id and the number of frames (EVENT_EXTENDED_ITEM_STACK_TRACE32/64: a
    /// 64-bit match id, then 4- or 8-byte return addresses).
    /// </summary>
    public bool TryGetStackTrace(out ulong matchId, out int frameCount)
    {
        int width = StackFrameWidth;
        if (width == 0 || Data.Length < 8)
        {
            matchId = 0;
            frameCount = 0;
            return false;
        }
        matchId = BinaryPrimitives.ReadUInt64LittleEndian(Data);
        frameCount = (Data.Length - 8) / width;
        return true;
    }

    /// <summary>The return address of stack frame <paramref name="index"/> of a stack-trace item.</summary>
    public ulong GetStackFrame(int index)
    {
        int width = StackFrameWidth;
        int at = 8 + index * width;
        if (width == 0 || index < 0 || at + width > Data.Length) throw new ArgumentOutOfRangeException(nameof(index));
        return width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Data[at..]) : BinaryPrimitives.ReadUInt64LittleEndian(Data[at..]);
    }

    /// <summary>For an instance-info item (EVENT_EXTENDED_ITEM_INSTANCE): instance, parent instance and parent GUID.</summary>
    public bool TryGetInstanceInfo(out uint instanceId, out uint parentInstanceId, out Guid parentGuid)
    {
        if (Type != ExtendedDataType.InstanceInfo || Data.Length < 24)
        {
            instanceId = parentInstanceId = 0;
            parentGuid = Guid.Empty;
            return false;
        }
        instanceId = BinaryPrimitives.ReadUInt32LittleEndian(Data);
        parentInstanceId = BinaryPrimitives.ReadUInt32LittleEndian(Data[4..]);
        parentGuid = new Guid(Data.Slice(8, 16));
        return true;
    }

    private int StackFrameWidth => Type switch
    {
        ExtendedDataType.StackTrace32 => 4,
        ExtendedDataType.StackTrace64 => 8,
        _ => 0,
    };
}

/// <summary>Walks the extended data items of a record without allocating.</summary>
public ref struct ExtendedDataEnumerator
{
    private readonly ReadOnlySpan<byte> _items;
    private int _next;
    private bool _done;
    private ExtendedDataItem _current;

    internal ExtendedDataEnumerator(ReadOnlySpan<byte> items)
    {
        _items = items;
        _next = 0;
        _done = items.IsEmpty;
        _current = default;
    }

    /// <summary>The current item.</summary>
    public readonly ExtendedDataItem Current => _current;

    /// <summary>Enables foreach.</summary>
    public readonly ExtendedDataEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next item; the items were checked when the record was framed.</summary>
    public bool MoveNext()
    {
        const int head = ExtendedItemOffsets.Data;
        if (_done || _next + head > _items.Length) return false;
        var h = _items[_next..];
        var type = (ExtendedDataType)BinaryPrimitives.ReadUInt16LittleEndian(h[ExtendedItemOffsets.ExtType..]);
        ushort linkage = BinaryPrimitives.ReadUInt16LittleEndian(h[ExtendedItemOffsets.Linkage..]);
        int size = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(h[ExtendedItemOffsets.DataSize..]), h.Length - head);
        _current = new ExtendedDataItem(type, h.Slice(head, size));
        _next = (_next + head + size + 7) & ~7;
        _done = (linkage & 1) == 0;
        return true;
    }
}
