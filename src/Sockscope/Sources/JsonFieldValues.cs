using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Sockscope.Schema;

namespace Sockscope.Sources;

/// <summary>
/// Turns a field's value as a collector wrote it back into the bytes the provider logged, so the event can be
/// decoded and analysed like one read from an ETL file.
/// </summary>
internal static class JsonFieldValues
{
    /// <summary>Sets <paramref name="f"/> in <paramref name="b"/>; false when the value is not understood (the field stays zero).</summary>
    public static bool TrySet(PayloadBuilder b, FieldSchema f, JsonElement v, JsonEvent e)
    {
        string? sealighterType = e.Style == JsonValueStyle.Sealighter && e.Types.ValueKind == JsonValueKind.Object ? JsonValues.Text(e.Types, f.Name) : null;
        bool rawHex = sealighterType is "POINTER" or "HEXINT32" or "HEXINT64" or "OTHER" or "BINARY";
        switch (f.InType)
        {
            case InType.Int8 or InType.UInt8 or InType.Int16 or InType.UInt16 or InType.Int32 or InType.UInt32 or InType.Int64 or InType.UInt64
                or InType.HexInt32 or InType.HexInt64 or InType.Boolean or InType.Pointer or InType.SizeT or InType.FileTime:
            {
                if (!TryInteger(f, v, e, rawHex, out ulong value)) return false;
                b.Set(f.Name, value);
                return true;
            }
            case InType.UnicodeString or InType.AnsiString or InType.CountedString or InType.CountedAnsiString:
                if (v.ValueKind != JsonValueKind.String) return false;
                b.Set(f.Name, v.GetString()!);
                return true;
            case InType.Guid:
            {
                var g = JsonValues.Guid(v.ValueKind == JsonValueKind.String ? v.GetString() : null);
                if (g == Guid.Empty && v.GetString() is not ("{00000000-0000-0000-0000-000000000000}" or "00000000-0000-0000-0000-000000000000")) return false;
                b.Set(f.Name, g);
                return true;
            }
            case InType.Binary or InType.CountedBinary:
            {
                if (!TryBytes(f, v, rawHex, out var bytes)) return false;
                b.Set(f.Name, bytes);
                return true;
            }
            default:
                return false;
        }
    }

    private static bool TryInteger(FieldSchema f, JsonElement v, JsonEvent e, bool rawHex, out ulong value)
    {
        value = 0;
        if (rawHex && v.ValueKind == JsonValueKind.String)
        {
            // krabsetw's hex of the payload's own bytes, little-endian; a pointer's length tells the pointer size.
            if (!TryHex(v.GetString()!, out var raw) || raw.Length is 0 or > 8) return false;
            Span<byte> eight = stackalloc byte[8];
            raw.CopyTo(eight);
            value = BinaryPrimitives.ReadUInt64LittleEndian(eight);
            if (f.InType is InType.Pointer or InType.SizeT && raw.Length is 4 or 8) e.PointerSize = raw.Length;
            return true;
        }
        if (v.ValueKind == JsonValueKind.String)
        {
            string s = v.GetString()!.Trim();
            // The legacy events' IPv4 addresses: a UInt32 whose bytes are the address in network order.
            if (f.EffectiveOutType == OutType.IPv4 && IPAddress.TryParse(s, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork)
            {
                value = BinaryPrimitives.ReadUInt32LittleEndian(ip.GetAddressBytes());
                return true;
            }
            if (f.Map is { } map)
                foreach (var entry in map.Entries)
                    if (string.Equals(entry.Value, s, StringComparison.OrdinalIgnoreCase)) { value = entry.Key; return true; }
        }
        // The catalog writes decimal values as JSON numbers: its text numbers are hex ("00000000", "0x6DC").
        bool bareHex = e.Style == JsonValueStyle.Catalog && v.ValueKind == JsonValueKind.String;
        if (!JsonValues.TryNumber(v, out value, bareHex)) return false;
        // Catalog and TraceEvent renderings show ports in host order; the payload holds them in network order.
        if (e.Style != JsonValueStyle.Sealighter && f.EffectiveOutType == OutType.Port && f.InType == InType.UInt16)
            value = BinaryPrimitives.ReverseEndianness((ushort)value);
        return true;
    }

    private static bool TryBytes(FieldSchema f, JsonElement v, bool rawHex, out byte[] bytes)
    {
        bytes = [];
        if (v.ValueKind == JsonValueKind.Array)
        {
            var list = new List<byte>();
            foreach (var item in v.EnumerateArray())
            {
                if (!item.TryGetByte(out byte x)) return false;
                list.Add(x);
            }
            bytes = list.ToArray();
            return true;
        }
        if (v.ValueKind != JsonValueKind.String) return false;
        string s = v.GetString()!.Trim();
        if (!rawHex)
        {
            var type = f.EffectiveOutType;
            if (type == OutType.SocketAddress && TrySockaddr(s, out bytes)) return true;
            if (type is OutType.IPv6 or OutType.IPv4 && IPAddress.TryParse(s, out var ip)) { bytes = ip.GetAddressBytes(); return true; }
        }
        return TryHex(s, out bytes);
    }

    /// <summary>Hex digits (an optional "0x", spaces and dashes allowed between bytes) as bytes.</summary>
    public static bool TryHex(string s, out byte[] bytes)
    {
        bytes = [];
        var t = s.AsSpan().Trim();
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) t = t[2..];
        if (t.ContainsAny(' ', '-')) t = string.Concat(t.ToString().Split(' ', '-'));
        if (t.Length % 2 != 0) return false;
        try
        {
            bytes = Convert.FromHexString(t);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>"1.2.3.4:80" or "[2001:db8::1%5]:443" (and " flowinfo 0x…") as a SOCKADDR_IN or SOCKADDR_IN6.</summary>
    public static bool TrySockaddr(string s, out byte[] bytes)
    {
        bytes = [];
        uint flow = 0;
        int flowAt = s.IndexOf(" flowinfo ", StringComparison.Ordinal);
        if (flowAt >= 0)
        {
            if (!JsonValues.TryNumber(s.AsSpan(flowAt + 10).Trim(), out ulong f)) return false;
            flow = (uint)f;
            s = s[..flowAt];
        }
        if (!IPEndPoint.TryParse(s, out var endpoint)) return false;
        if (endpoint.AddressFamily == AddressFamily.InterNetwork && !s.StartsWith('['))
        {
            bytes = new byte[16];
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, 2);
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)endpoint.Port);
            endpoint.Address.GetAddressBytes().CopyTo(bytes, 4);
            return true;
        }
        if (endpoint.AddressFamily != AddressFamily.InterNetworkV6) return false;
        bytes = new byte[28];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, 23);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)endpoint.Port);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), flow);
        endpoint.Address.GetAddressBytes().CopyTo(bytes, 8);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(24), (uint)endpoint.Address.ScopeId);
        return true;
    }
}
