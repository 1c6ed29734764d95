using System.Runtime.InteropServices;
using System.Text.Json;

namespace Sockscope.Sources;

/// <summary>
/// Finds a key that a JSON object repeats. JSON text may repeat one and <see cref="JsonDocument"/> keeps every copy,
/// so an event would silently take one value of two; a repeated key makes the line a bad line instead.
/// </summary>
/// <remarks>
/// Linear in the object's keys whatever they are, and nothing allocated per key: each name is copied (unescaped)
/// into one reused buffer; an event's few keys (up to 16) are compared with each other, and more are entered in a
/// reused open-addressing table, hashed with <see cref="HashCode"/>, whose seed is random per process, so no chosen set
/// of names collides on purpose. System.Text.Json's own check (<c>AllowDuplicateProperties = false</c>) makes a set
/// per object and allocates every escaped name: 44 MB for a line of 700,000 escaped keys. Memory held stays bounded by
/// the longest line; what a large object needed is let go after it. An event of 6 keys costs about 120 ns.
/// </remarks>
internal sealed class RepeatedKeys
{
    // Tables up to this many slots are kept from object to object; a larger one is let go after its object.
    private const int KeptSlots = 1 << 12;

    // Objects of up to this many keys are checked pairwise (at most 120 comparisons, most ended by the length).
    private const int SmallObject = 16;

    private byte[] _names = new byte[4096];
    private Name[] _entries = new Name[KeptSlots / 2];
    private int[] _slots = new int[KeptSlots];
    private byte[] _quoted = [];

    private readonly record struct Name(int Start, int Length, int Hash);

    /// <summary>The first key <paramref name="value"/> repeats (unescaped), or null when it repeats none or is no object.</summary>
    public string? Find(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) return null;
        int count = value.GetPropertyCount();
        if (count < 2) return null;
        // At most half full, so a probe ends soon; only the part in use is cleared.
        int size = 16;
        while (size < 2 * count) size *= 2;
        if (_slots.Length < size) _slots = new int[size];
        if (_entries.Length < count) _entries = new Name[count];
        if (count > SmallObject) Array.Clear(_slots, 0, size);
        try
        {
            int mask = size - 1, used = 0, end = 0;
            foreach (var property in value.EnumerateObject())
            {
                var raw = JsonMarshal.GetRawUtf8PropertyName(property);
                // An unescaped name is never longer than its escaped form.
                if (_names.Length < end + raw.Length) Array.Resize(ref _names, Math.Max(_names.Length * 2, end + raw.Length));
                int length = raw.IndexOf((byte)'\\') < 0 ? Copy(raw, end) : Unescape(raw, end);
                var name = _names.AsSpan(end, length);
                if (count <= SmallObject)
                {
                    // An event's few keys: comparing each with those before costs less than hashing it.
                    for (int j = 0; j < used; j++)
                    {
                        var other = _entries[j];
                        if (other.Length == length && _names.AsSpan(other.Start, length).SequenceEqual(name)) return property.Name;
                    }
                    _entries[used++] = new Name(end, length, 0);
                    end += length;
                    continue;
                }
                var hasher = new HashCode();
                hasher.AddBytes(name);
                int hash = hasher.ToHashCode();
                for (int slot = hash & mask; ; slot = (slot + 1) & mask)
                {
                    int held = _slots[slot];
                    if (held == 0)
                    {
                        _slots[slot] = used + 1;
                        _entries[used++] = new Name(end, length, hash);
                        break;
                    }
                    var other = _entries[held - 1];
                    if (other.Hash == hash && _names.AsSpan(other.Start, other.Length).SequenceEqual(name)) return property.Name;
                }
                end += length;
            }
            return null;
        }
        finally
        {
            if (_slots.Length > KeptSlots)
            {
                _slots = new int[KeptSlots];
                _entries = new Name[KeptSlots / 2];
                _names = new byte[4096];
                _quoted = [];
            }
        }
    }

    private int Copy(ReadOnlySpan<byte> raw, int at)
    {
        raw.CopyTo(_names.AsSpan(at));
        return raw.Length;
    }

    /// <summary>Unescapes a name as the JSON reader does, by reading it back as a string token: no allocation.</summary>
    private int Unescape(ReadOnlySpan<byte> raw, int at)
    {
        if (_quoted.Length < raw.Length + 2) _quoted = new byte[Math.Max(raw.Length + 2, 2 * _quoted.Length)];
        _quoted[0] = (byte)'"';
        raw.CopyTo(_quoted.AsSpan(1));
        _quoted[raw.Length + 1] = (byte)'"';
        var reader = new Utf8JsonReader(_quoted.AsSpan(0, raw.Length + 2));
        reader.Read();
        return reader.CopyString(_names.AsSpan(at));
    }
}
