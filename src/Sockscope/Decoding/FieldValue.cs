namespace Sockscope.Decoding;

/// <summary>Where one decoded field lies in the payload, and its number when it is one.</summary>
public struct FieldValue
{
    /// <summary>
    /// Offset of the field's bytes in the payload (an array's first element, after a payload-carried count); -1
    /// when the payload ended before it, or when it is a struct member, whose bytes lie inside its struct's value.
    /// </summary>
    public int Offset;
    /// <summary>Bytes the field takes (for strings, without the terminator; for structs and arrays, all elements).</summary>
    public int Length;
    /// <summary>
    /// The value of an integer, pointer or Boolean field (sign-extended for signed in-types); for a struct or an
    /// array (<see cref="PayloadDecoder.IsAggregate"/>), its element count (1 for a plain struct); 0 otherwise.
    /// </summary>
    public ulong Number;

    /// <summary>True when the field was in the payload.</summary>
    public readonly bool IsPresent => Offset >= 0;

    /// <summary>A field the payload did not reach.</summary>
    public static FieldValue Missing => new() { Offset = -1 };
}

/// <summary>How well a payload matched its template.</summary>
[Flags]
public enum DecodeStatus : byte
{
    /// <summary>Every field decoded and no byte left over.</summary>
    Complete = 0,
    /// <summary>The payload ended before the template did: later fields are missing or cut.</summary>
    Truncated = 1,
    /// <summary>Bytes were left over after the last field.</summary>
    ExtraBytes = 2,
}
