using Sockscope.Schema;

namespace Sockscope.Decoding.Values;

/// <summary>
/// How a scalar field's value is rendered: one family per out-type (and the in-type where it matters), chosen in
/// <see cref="ValueForms.Of"/> and nowhere else. <see cref="FieldFormatter"/> renders every family in two views: the
/// value (JSON, its direct fast path, CSV and SQLite cells) and the text a person reads (messages, the report).
/// </summary>
internal enum ValueForm : byte
{
    /// <summary>true or false, in both views.</summary>
    Boolean,
    /// <summary>The number as a signed integer, in both views.</summary>
    Signed,
    /// <summary>The number as an unsigned integer, in both views.</summary>
    Unsigned,
    /// <summary>
    /// An unsigned out-type over a signed in-type: the value is the signed number, the text the unsigned one (as the
    /// message shows it), so the JSON number is no stand-in for the text.
    /// </summary>
    SignedAsUnsigned,
    /// <summary>A port in a 16-bit field: in network byte order, in both views.</summary>
    NetworkPort,
    /// <summary>A port in a field of another width: the value is the number, the text reads it as a network-order port.</summary>
    WidePort,
    /// <summary>A 32-bit floating-point number (JSON gives infinities and NaN as strings).</summary>
    Float,
    /// <summary>A 64-bit floating-point number.</summary>
    Double,
    /// <summary>A character (a char-typed field shown as a string): the character as text.</summary>
    Character,
    /// <summary>
    /// An NTSTATUS, Win32 error or HRESULT: the value is its hex form; the text is the symbolic name where known, else
    /// the hex with 0x.
    /// </summary>
    Status,
    /// <summary>The string forms: hex, pointers, addresses, GUIDs, times, strings, SIDs and binary, the same in both views.</summary>
    Text,
}

/// <summary>The one description of each out-type's rendering.</summary>
internal static class ValueForms
{
    /// <summary>The rendering family of a scalar field.</summary>
    public static ValueForm Of(FieldSchema f) => f.EffectiveOutType switch
    {
        OutType.Boolean => ValueForm.Boolean,
        OutType.Byte or OutType.Short or OutType.Int or OutType.Long => ValueForm.Signed,
        OutType.UnsignedByte or OutType.UnsignedShort or OutType.UnsignedInt or OutType.UnsignedLong or OutType.Pid or OutType.Tid =>
            f.InType is InType.Int8 or InType.Int16 or InType.Int32 or InType.Int64 ? ValueForm.SignedAsUnsigned : ValueForm.Unsigned,
        OutType.Port => f.InType == InType.UInt16 ? ValueForm.NetworkPort : ValueForm.WidePort,
        OutType.Float => ValueForm.Float,
        OutType.Double => ValueForm.Double,
        OutType.String when IsCharType(f.InType) => ValueForm.Character,
        OutType.NTStatus or OutType.Win32Error or OutType.HResult => ValueForm.Status,
        _ => ValueForm.Text,
    };

    /// <summary>The value is a JSON number or literal, written without quotes.</summary>
    public static bool IsBare(this ValueForm form) =>
        form is ValueForm.Boolean or ValueForm.Signed or ValueForm.Unsigned or ValueForm.SignedAsUnsigned
            or ValueForm.NetworkPort or ValueForm.WidePort;

    /// <summary>
    /// The text a person reads is the value itself (when no value map or well-known name replaces it), so the JSON
    /// writer's value can stand in for a message's insert.
    /// </summary>
    public static bool TextIsValue(this ValueForm form) =>
        form is ValueForm.Boolean or ValueForm.Signed or ValueForm.Unsigned or ValueForm.NetworkPort or ValueForm.Text;

    /// <summary>In-types whose values are characters when the out-type is a string.</summary>
    public static bool IsCharType(InType t) => t is InType.Int8 or InType.UInt8 or InType.UInt16;
}
