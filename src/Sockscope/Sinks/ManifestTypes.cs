using Sockscope.Schema;

namespace Sockscope.Sinks;

/// <summary>The manifest names of in-types and out-types (<c>win:UInt32</c>, <c>xs:unsignedInt</c>).</summary>
internal static class ManifestTypes
{
    /// <summary>The in-type's manifest name without prefix, e.g. <c>UInt32</c>, <c>GUID</c>.</summary>
    public static string InTypeName(InType type) => type switch
    {
        InType.Guid => "GUID",
        InType.FileTime => "FILETIME",
        InType.SystemTime => "SYSTEMTIME",
        InType.Sid => "SID",
        _ => type.ToString(),
    };

    /// <summary>The in-type with its prefix, e.g. <c>win:UInt32</c>.</summary>
    public static string QualifiedInType(InType type) => "win:" + InTypeName(type);

    /// <summary>
    /// The out-type's manifest name without prefix, e.g. <c>unsignedInt</c>, <c>Win32Error</c>. NTSTATUS is
    /// written <c>NTStatus</c>, as the TDH-based dumps the catalog comes from write it (winmeta.xml says NTSTATUS).
    /// </summary>
    public static string OutTypeName(OutType type) => type switch
    {
        OutType.Null => "",
        OutType.String => "string",
        OutType.DateTime => "dateTime",
        OutType.Byte => "byte",
        OutType.UnsignedByte => "unsignedByte",
        OutType.Short => "short",
        OutType.UnsignedShort => "unsignedShort",
        OutType.Int => "int",
        OutType.UnsignedInt => "unsignedInt",
        OutType.Long => "long",
        OutType.UnsignedLong => "unsignedLong",
        OutType.Float => "float",
        OutType.Double => "double",
        OutType.Boolean => "boolean",
        OutType.Guid => "GUID",
        OutType.HexBinary => "hexBinary",
        OutType.Pid => "PID",
        OutType.Tid => "TID",
        OutType.CimDateTime => "CIMDateTime",
        OutType.EtwTime => "ETWTIME",
        OutType.NTStatus => "NTStatus",
        OutType.CultureInsensitiveDateTime => "DateTimeCultureInsensitive",
        _ => type.ToString(),
    };

    /// <summary>The out-type with its prefix, e.g. <c>xs:unsignedInt</c>, <c>win:Win32Error</c>; empty for Null.</summary>
    public static string QualifiedOutType(OutType type) => type switch
    {
        OutType.Null => "",
        OutType.String or OutType.DateTime or OutType.Byte or OutType.UnsignedByte or OutType.Short
            or OutType.UnsignedShort or OutType.Int or OutType.UnsignedInt or OutType.Long or OutType.UnsignedLong
            or OutType.Float or OutType.Double or OutType.Boolean or OutType.Guid or OutType.HexBinary => "xs:" + OutTypeName(type),
        _ => "win:" + OutTypeName(type),
    };
}
