using System.Buffers.Binary;
using System.Buffers.Text;

namespace Sockscope.Decoding.Values;

/// <summary>
/// Writes IPv4 and IPv6 addresses and SOCKADDRs as UTF-8 text without allocating: "93.184.216.34:443",
/// "[2001:db8::1]:443" (RFC 5952 form, scope id after '%'), other families as their name, number and bytes.
/// </summary>
internal static class AddressFormatter
{
    /// <summary>AF_INET.</summary>
    public const ushort AfInet = 2;
    /// <summary>AF_INET6.</summary>
    public const ushort AfInet6 = 23;

    /// <summary>Longest text any SOCKADDR of up to 128 bytes gives.</summary>
    public const int MaxLength = 300;

    /// <summary>Writes four bytes in network order as dotted decimal; returns the bytes written.</summary>
    public static int FormatIPv4(ReadOnlySpan<byte> address, Span<byte> d)
    {
        int n = 0;
        for (int i = 0; i < 4; i++)
        {
            if (i > 0) d[n++] = (byte)'.';
            Utf8Formatter.TryFormat(address[i], d[n..], out int w);
            n += w;
        }
        return n;
    }

    /// <summary>Writes 16 bytes as an IPv6 address in RFC 5952 form (IPv4-mapped as ::ffff:a.b.c.d).</summary>
    public static int FormatIPv6(ReadOnlySpan<byte> address, Span<byte> d)
    {
        Span<ushort> words = stackalloc ushort[8];
        for (int i = 0; i < 8; i++) words[i] = BinaryPrimitives.ReadUInt16BigEndian(address[(2 * i)..]);
        int n = 0;
        bool mapped = words[0] == 0 && words[1] == 0 && words[2] == 0 && words[3] == 0 && words[4] == 0 && words[5] == 0xFFFF;
        if (mapped)
        {
            "::ffff:"u8.CopyTo(d);
            return 7 + FormatIPv4(address[12..], d[7..]);
        }
        // The longest run of two or more zero words (the first when tied) becomes "::".
        int bestStart = -1, bestLength = 1;
        for (int i = 0; i < 8;)
        {
            if (words[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && words[j] == 0) j++;
            if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
            i = j;
        }
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                d[n++] = (byte)':';
                d[n++] = (byte)':';
                i += bestLength - 1;
                continue;
            }
            if (i > 0 && n > 0 && d[n - 1] != (byte)':') d[n++] = (byte)':';
            Utf8Formatter.TryFormat(words[i], d[n..], out int w, new System.Buffers.StandardFormat('x'));
            n += w;
        }
        return n;
    }

    /// <summary>
    /// Writes a SOCKADDR: family (little-endian), then for AF_INET and AF_INET6 the port (big-endian) and address;
    /// IPv6 keeps the scope id ("%5") and, when not zero, the flow information ("flowinfo 0x…"). Other families
    /// are written as name, number and the bytes after the family in hex. A SOCKADDR too short for its family is
    /// written as hex.
    /// </summary>
    public static int FormatSocketAddress(ReadOnlySpan<byte> sa, Span<byte> d)
    {
        if (sa.Length < 2) return Hex(sa, d);
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(sa);
        int n;
        if (family == AfInet && sa.Length >= 8)
        {
            n = FormatIPv4(sa.Slice(4, 4), d);
            d[n++] = (byte)':';
            Utf8Formatter.TryFormat(BinaryPrimitives.ReadUInt16BigEndian(sa[2..]), d[n..], out int w);
            return n + w;
        }
        if (family == AfInet6 && sa.Length >= 24)
        {
            n = 0;
            d[n++] = (byte)'[';
            n += FormatIPv6(sa.Slice(8, 16), d[n..]);
            if (sa.Length >= 28)
            {
                uint scope = BinaryPrimitives.ReadUInt32LittleEndian(sa[24..]);
                if (scope != 0)
                {
                    d[n++] = (byte)'%';
                    Utf8Formatter.TryFormat(scope, d[n..], out int ws);
                    n += ws;
                }
            }
            d[n++] = (byte)']';
            d[n++] = (byte)':';
            Utf8Formatter.TryFormat(BinaryPrimitives.ReadUInt16BigEndian(sa[2..]), d[n..], out int w);
            n += w;
            uint flow = BinaryPrimitives.ReadUInt32BigEndian(sa[4..]);
            if (flow != 0)
            {
                " flowinfo 0x"u8.CopyTo(d[n..]);
                n += 12;
                Utf8Formatter.TryFormat(flow, d[n..], out int wf, new System.Buffers.StandardFormat('X'));
                n += wf;
            }
            return n;
        }
        n = 0;
        if (AddressFamilies.TryGetName(family, out var name))
        {
            foreach (char c in name) d[n++] = (byte)c;
            d[n++] = (byte)'(';
            Utf8Formatter.TryFormat(family, d[n..], out int wn);
            n += wn;
            d[n++] = (byte)')';
        }
        else
        {
            "family "u8.CopyTo(d);
            n = 7;
            Utf8Formatter.TryFormat(family, d[n..], out int wn);
            n += wn;
        }
        if (sa.Length > 2)
        {
            d[n++] = (byte)' ';
            n += Hex(sa[2..], d[n..]);
        }
        return n;
    }

    private static int Hex(ReadOnlySpan<byte> bytes, Span<byte> d)
    {
        var b = bytes.Length > d.Length / 2 ? bytes[..(d.Length / 2)] : bytes;
        Convert.TryToHexString(b, d, out int written);
        return written;
    }
}
