namespace Sockscope.Decoding;

/// <summary>Where one decoded field lies in the payload, and its number when it is one.</summary>
public struct FieldValue
{
    /// <summary>Offset of the field's bytes in the payload; -1 when the payload ended before it.</summary>
    public int Offset;
    /// <summary>Bytes the field takes (for strings, without the terminator).</summary>
    public int Length;
    /// <summary>The value of an integer, pointer or Boolean field (sign-extended for signed in-types); 0 otherwise.</summary>
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
