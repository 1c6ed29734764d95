using System.Text;

namespace Sockscope.Sinks.Parquet;

/// <summary>
/// Strings for UTF-8 values that repeat (an endpoint, an address, a host name): the last few thousand distinct values
/// are kept, so a value seen before costs a lookup, not a string. Bounded: past its size it starts again.
/// </summary>
internal sealed class Utf8Strings
{
    private const int MaxEntries = 1 << 14;
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private char[] _chars = new char[256];

    public Utf8Strings() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The string of <paramref name="utf8"/>.</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (_chars.Length < utf8.Length) _chars = new char[Math.Max(utf8.Length, _chars.Length * 2)];
        int n = Encoding.UTF8.GetChars(utf8, _chars);
        var chars = _chars.AsSpan(0, n);
        if (_lookup.TryGetValue(chars, out var known)) return known;
        if (_strings.Count >= MaxEntries) _strings.Clear();
        string s = new(chars);
        _strings[s] = s;
        return s;
    }
}
