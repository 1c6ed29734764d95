using System.Globalization;
using System.Text.Json;

namespace Sockscope.Sources;

/// <summary>Numbers, times and GUIDs as collectors write them in JSON: numbers, or text in decimal, "0x" hex or bare hex.</summary>
internal static class JsonValues
{
    /// <summary>An unsigned number from a JSON number, Boolean or text ("123", "1,234", "0x7B"); false when it is none.</summary>
    public static bool TryNumber(JsonElement v, out ulong value, bool bareHex = false)
    {
        value = 0;
        switch (v.ValueKind)
        {
            case JsonValueKind.Number:
                if (v.TryGetUInt64(out value)) return true;
                if (v.TryGetInt64(out long signed)) { value = (ulong)signed; return true; }
                if (v.TryGetDouble(out double d) && d >= 0 && d < 1.8e19) { value = (ulong)d; return true; }
                return false;
            case JsonValueKind.True: value = 1; return true;
            case JsonValueKind.False: value = 0; return true;
            case JsonValueKind.String: return TryNumber(v.GetString().AsSpan().Trim(), out value, bareHex);
            default: return false;
        }
    }

    /// <summary>An unsigned number from text; <paramref name="bareHex"/> reads digits without "0x" as hex.</summary>
    public static bool TryNumber(ReadOnlySpan<char> s, out ulong value, bool bareHex = false)
    {
        value = 0;
        if (s.IsEmpty) return false;
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) return TryHex(s[2..], out value);
        if (bareHex) return TryHex(s, out value);
        if (s[0] == '-')
        {
            if (!long.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out long n)) return false;
            value = (ulong)n;
            return true;
        }
        if (s.Equals("true", StringComparison.OrdinalIgnoreCase)) { value = 1; return true; }
        if (s.Equals("false", StringComparison.OrdinalIgnoreCase)) return true;
        return ulong.TryParse(s, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Hex digits as <see cref="ulong.TryParse(ReadOnlySpan{char}, NumberStyles, IFormatProvider?, out ulong)"/> reads them, up to 16 digits by hand (a third of its time).</summary>
    private static bool TryHex(ReadOnlySpan<char> s, out ulong value)
    {
        value = 0;
        if (s.Length is 0 or > 16) return ulong.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        foreach (char c in s)
        {
            int lower = c | 0x20;
            int digit = char.IsAsciiDigit(c) ? c - '0' : lower is >= 'a' and <= 'f' ? lower - 'a' + 10 : 16;
            if (digit > 15) return ulong.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
            value = value << 4 | (uint)digit;
        }
        return true;
    }

    /// <summary>A property's number, or 0.</summary>
    public static ulong Number(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && TryNumber(v, out ulong n) ? n : 0;

    /// <summary>A property's text, or null.</summary>
    public static string? Text(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>A time as a UTC FILETIME: ISO 8601 with or without an offset (none means UTC), "yyyy-MM-dd HH:mm:ssZ" too.</summary>
    public static bool TryFileTime(string? text, out long fileTime)
    {
        fileTime = 0;
        return text is not null && TryFileTime(text.AsSpan(), out fileTime);
    }

    /// <summary>A time as a UTC FILETIME, as <see cref="TryFileTime(string?, out long)"/> reads it.</summary>
    public static bool TryFileTime(ReadOnlySpan<char> text, out long fileTime)
    {
        fileTime = 0;
        // Collectors write one strict form: read by hand it costs a tenth of the general parser, which reads the rest.
        if (!IsoTime.TryUtcTicks(text, out long utcTicks))
        {
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var t)) return false;
            utcTicks = t.UtcTicks;
        }
        long ticks = utcTicks - FileTimeEpoch;
        if (ticks < 0) return false;
        fileTime = ticks;
        return true;
    }

    private static readonly long FileTimeEpoch = new DateTime(1601, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    /// <summary>A GUID with or without braces, or empty.</summary>
    public static Guid Guid(ReadOnlySpan<char> text) => System.Guid.TryParse(text.Trim("{} "), out var g) ? g : System.Guid.Empty;

    /// <summary>A GUID with or without braces, or empty.</summary>
    public static Guid Guid(string? text) => System.Guid.TryParse(text?.Trim('{', '}', ' '), out var g) ? g : System.Guid.Empty;
}
