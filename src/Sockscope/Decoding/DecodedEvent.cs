using System.Buffers.Binary;
using System.Text;
using Sockscope.Schema;

namespace Sockscope.Decoding;

/// <summary>
/// An event decoded against its schema: typed access to each field, over the payload bytes (no copies). Valid
/// while the record it came from is.
/// </summary>
public readonly ref struct DecodedEvent
{
    /// <summary>The event's schema.</summary>
    public EventSchema Schema { get; }
    /// <summary>One value per schema field.</summary>
    public ReadOnlySpan<FieldValue> Values { get; }
    /// <summary>The payload.</summary>
    public ReadOnlySpan<byte> Payload { get; }
    /// <summary>Pointer size the payload was decoded with.</summary>
    public int PointerSize { get; }
    /// <summary>How well the payload matched.</summary>
    public DecodeStatus Status { get; }

    internal DecodedEvent(EventSchema schema, ReadOnlySpan<FieldValue> values, ReadOnlySpan<byte> payload, int pointerSize, DecodeStatus status)
    {
        Schema = schema;
        Values = values;
        Payload = payload;
        PointerSize = pointerSize;
        Status = status;
    }

    /// <summary>Number of fields.</summary>
    public int Count => Values.Length;

    /// <summary>The schema of field <paramref name="index"/>.</summary>
    public FieldSchema Field(int index) => Schema.Fields[index];

    /// <summary>Index of a field by name, or -1.</summary>
    public int IndexOf(string name) => Schema.IndexOf(name);

    /// <summary>True when field <paramref name="index"/> is in the payload.</summary>
    public bool Has(int index) => (uint)index < (uint)Values.Length && Values[index].IsPresent;

    /// <summary>The number of an integer, pointer or Boolean field (0 when missing).</summary>
    public ulong Number(int index) => (uint)index < (uint)Values.Length ? Values[index].Number : 0;

    /// <summary>
    /// How many elements field <paramref name="index"/> holds: an array's count, 1 for a scalar or a plain struct,
    /// 0 when missing (a struct's members have no value of their own: their struct renders them).
    /// </summary>
    public int ElementCount(int index)
    {
        if (!Has(index)) return 0;
        return PayloadDecoder.IsAggregate(Field(index)) ? (int)Math.Min(Values[index].Number, int.MaxValue) : 1;
    }

    /// <summary>The bytes of field <paramref name="index"/> (empty when missing).</summary>
    public ReadOnlySpan<byte> Bytes(int index)
    {
        if ((uint)index >= (uint)Values.Length || !Values[index].IsPresent) return default;
        var v = Values[index];
        return Payload.Slice(v.Offset, v.Length);
    }

    /// <summary>A string field's text (allocates; null when missing or not a string).</summary>
    public string? String(int index)
    {
        if (!Has(index)) return null;
        var bytes = Bytes(index);
        return Field(index).InType switch
        {
            InType.UnicodeString or InType.CountedString => Encoding.Unicode.GetString(bytes[..(bytes.Length & ~1)]),
            InType.AnsiString or InType.CountedAnsiString => Encoding.UTF8.GetString(bytes),
            _ => null,
        };
    }

    /// <summary>A GUID field's value (empty when missing).</summary>
    public Guid Guid(int index) => Bytes(index) is { Length: 16 } b ? new Guid(b) : System.Guid.Empty;

    /// <summary>A 16-bit field in network byte order (ports), as the host value.</summary>
    public ushort NetworkUInt16(int index) => Bytes(index) is { Length: 2 } b ? BinaryPrimitives.ReadUInt16BigEndian(b) : (ushort)0;
}
