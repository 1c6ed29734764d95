using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;

namespace Sockscope.Decoding.Values;

/// <summary>
/// A security identifier's string form (<c>S-1-5-18</c>), written from its binary form: the decoder renders SID
/// fields with it, and every output the user SID of a record's extended data.
/// </summary>
internal static class SidText
{
    /// <summary>Longest SID text: "S-255-0x" + 12 hex digits, then 15 sub-authorities of up to 10 digits and a dash.</summary>
    internal const int MaxLength = 8 + 12 + 15 * 11;

    /// <summary>
    /// Formats a binary SID (revision, sub-authority count, 6-byte big-endian identifier authority, then
    /// little-endian 32-bit sub-authorities) as its string form, e.g. <c>S-1-5-18</c>, into UTF-8.
    /// </summary>
    /// <returns>false when the bytes are no SID (too short, more than 15 sub-authorities, or empty) or do not fit.</returns>
    public static bool TryFormat(ReadOnlySpan<byte> sid, Span<byte> utf8Destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (sid.Length < 8) return false;
        int count = sid[1];
        if (count > 15 || sid.Length < 8 + 4 * count) return false;
        ulong authority = 0;
        for (int i = 2; i < 8; i++) authority = authority << 8 | sid[i];
        var d = utf8Destination;
        int n = 0;
        if (!Append(d, ref n, "S-"u8) || !Utf8Formatter.TryFormat(sid[0], d[n..], out int w)) return false;
        n += w;
        if (!Append(d, ref n, "-"u8)) return false;
        // Windows writes authorities that do not fit 32 bits in hex (ConvertSidToStringSid).
        bool ok = authority >> 32 == 0
            ? Utf8Formatter.TryFormat(authority, d[n..], out w)
            : Append(d, ref n, "0x"u8) && Utf8Formatter.TryFormat(authority, d[n..], out w, new StandardFormat('X', 12));
        if (!ok) return false;
        n += w;
        for (int i = 0; i < count; i++)
        {
            if (!Append(d, ref n, "-"u8) ||
                !Utf8Formatter.TryFormat(BinaryPrimitives.ReadUInt32LittleEndian(sid[(8 + 4 * i)..]), d[n..], out w))
                return false;
            n += w;
        }
        bytesWritten = n;
        return true;
    }

    /// <summary>The string form of a binary SID (see <see cref="TryFormat"/>), or "" when the bytes are no SID.</summary>
    public static string Format(ReadOnlySpan<byte> sid)
    {
        Span<byte> text = stackalloc byte[MaxLength];
        return TryFormat(sid, text, out int n) ? Encoding.ASCII.GetString(text[..n]) : "";
    }

    private static bool Append(Span<byte> destination, ref int n, ReadOnlySpan<byte> text)
    {
        if (!text.TryCopyTo(destination[n..])) return false;
        n += text.Length;
        return true;
    }
}
