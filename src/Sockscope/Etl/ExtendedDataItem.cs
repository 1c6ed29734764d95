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
        if (_done || _next + 8 > _items.Length) return false;
        var h = _items[_next..];
        var type = (ExtendedDataType)BinaryPrimitives.ReadUInt16LittleEndian(h[2..]);
        ushort linkage = BinaryPrimitives.ReadUInt16LittleEndian(h[4..]);
        int size = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(h[6..]), h.Length - 8);
        _current = new ExtendedDataItem(type, h.Slice(8, size));
        _next = (_next + 8 + size + 7) & ~7;
        _done = (linkage & 1) == 0;
        return true;
    }
}
