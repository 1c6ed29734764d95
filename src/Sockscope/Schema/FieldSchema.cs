namespace Sockscope.Schema;

/// <summary>One field of an event template: its name, layout, rendering, and where its length comes from.</summary>
public sealed class FieldSchema
{
    /// <summary>The field's name.</summary>
    public required string Name { get; init; }
    /// <summary>Payload layout.</summary>
    public required InType InType { get; init; }
    /// <summary>Rendering (Null: the in-type's default).</summary>
    public OutType OutType { get; init; }
    /// <summary>Fixed length in bytes (Binary, fixed strings), or -1.</summary>
    public int FixedLength { get; init; } = -1;
    /// <summary>Index of the earlier field whose value is this field's length in bytes, or -1.</summary>
    public int LengthField { get; init; } = -1;
    /// <summary>Fixed element count of an array, or 1.</summary>
    public int FixedCount { get; init; } = 1;
    /// <summary>Index of the earlier field whose value is this field's element count, or -1.</summary>
    public int CountField { get; init; } = -1;
    /// <summary>For a TraceLogging struct: how many following fields are its members.</summary>
    public int StructMembers { get; init; }
    /// <summary>The manifest value map, if any.</summary>
    public ValueMap? Map { get; init; }
    /// <summary>Documented values without a manifest map.</summary>
    public KnownValues Known { get; init; }
    /// <summary>Where an out-type not found in any dump was inferred from, if so.</summary>
    public string? OutTypeSource { get; init; }

    private OutType _effective;

    /// <summary>The out-type in effect (the in-type's default when none is given).</summary>
    public OutType EffectiveOutType => _effective != OutType.Null ? _effective : _effective = DefaultOutType();

    private OutType DefaultOutType() => OutType != OutType.Null ? OutType : InType switch
    {
        InType.UnicodeString or InType.AnsiString or InType.CountedString or InType.CountedAnsiString => OutType.String,
        InType.Int8 => OutType.Byte,
        InType.UInt8 => OutType.UnsignedByte,
        InType.Int16 => OutType.Short,
        InType.UInt16 => OutType.UnsignedShort,
        InType.Int32 => OutType.Int,
        InType.UInt32 => OutType.UnsignedInt,
        InType.Int64 => OutType.Long,
        InType.UInt64 => OutType.UnsignedLong,
        InType.Float => OutType.Float,
        InType.Double => OutType.Double,
        InType.Boolean => OutType.Boolean,
        InType.Binary or InType.CountedBinary => OutType.HexBinary,
        InType.Guid => OutType.Guid,
        InType.Pointer or InType.HexInt64 => OutType.HexInt64,
        InType.HexInt32 => OutType.HexInt32,
        InType.FileTime or InType.SystemTime => OutType.DateTime,
        InType.SizeT => OutType.UnsignedLong,
        _ => OutType.String,
    };
}
