using System.Buffers.Binary;
using System.Net;

namespace Sockscope.Analysis;

/// <summary>
/// The host names each process resolved, by address, from Winsock-NameResolution lookups as the trace goes: a socket
/// is named by what its own process looked up before it used the address. Bounded: past its cap, new names are
/// dropped and counted.
/// </summary>
/// <remarks>
/// Per process on purpose: getaddrinfo logs in the process that asks, and one address serves many names (a CDN's
/// address answers for thousands of hosts), so another process's lookup would often name a socket wrongly. A later
/// lookup of the same address by the same process replaces the earlier name.
/// </remarks>
internal sealed class NameTable(int capacity)
{
    // Keyed by a ulong (the process id and 32 bits of the address) with the whole address checked in the entry: the
    // analysis already runs Dictionary<ulong, reference> optimised, while a struct key (process, UInt128, flag) made
    // the runtime compile a dictionary, two equality comparers and UInt128's hashing for it at every start: about
    // 80 methods, several percent of a busy host's whole run. An IPv4 address fills the 32 bits, so only IPv6
    // addresses that agree in them share a bucket's chain.
    private sealed class Entry(ulong high, ulong low, bool ipv4, string name)
    {
        public readonly ulong High = high, Low = low;
        public readonly bool IPv4 = ipv4;
        public string Name = name;
        public Entry? Next;
    }

    private readonly Dictionary<ulong, Entry> _names = new();

    // Once, not an array built at every lookup.
    private static readonly char[] Separators = [';', ',', ' '];

    /// <summary>Addresses named (process and address pairs held).</summary>
    public int Count { get; private set; }

    /// <summary>Process and address pairs not kept because the table was full.</summary>
    public long Dropped { get; private set; }

    /// <summary>Remembers that <paramref name="processId"/> resolved <paramref name="name"/> to each address of <paramref name="result"/>.</summary>
    public void Add(uint processId, string name, string? result)
    {
        if (string.IsNullOrEmpty(result)) return;
        foreach (var part in result.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IPAddress.TryParse(part, out var address)) continue;
            bool ipv4 = Split(address, out ulong high, out ulong low);
            ulong key = KeyOf(processId, low);
            _names.TryGetValue(key, out var first);
            if (Find(first, high, low, ipv4) is { } known)
            {
                known.Name = name;
                continue;
            }
            if (Count >= capacity)
            {
                Dropped++;
                continue;
            }
            _names[key] = new Entry(high, low, ipv4, name) { Next = first };
            Count++;
        }
    }

    /// <summary>The name <paramref name="processId"/> last resolved to <paramref name="address"/>, or null.</summary>
    public string? NameOf(uint processId, IPAddress address)
    {
        if (Count == 0) return null;
        bool ipv4 = Split(address, out ulong high, out ulong low);
        return _names.TryGetValue(KeyOf(processId, low), out var first) ? Find(first, high, low, ipv4)?.Name : null;
    }

    private static Entry? Find(Entry? entry, ulong high, ulong low, bool ipv4)
    {
        for (; entry is not null; entry = entry.Next)
            if (entry.Low == low && entry.High == high && entry.IPv4 == ipv4) return entry;
        return null;
    }

    private static ulong KeyOf(uint processId, ulong low) => (ulong)processId << 32 | (uint)low;

    // Sockets show an IPv4 peer of a dual-stack socket as ::ffff:a.b.c.d, and a lookup's result as a.b.c.d, or the
    // other way round: both are the IPv4 address. A scope id is no part of the name.
    // True for an IPv4 address (in the low 32 bits).
    private static bool Split(IPAddress address, out ulong high, out ulong low)
    {
        Span<byte> bytes = stackalloc byte[16];
        high = low = 0;
        if (!address.TryWriteBytes(bytes, out int n)) return false;
        if (n == 4) { low = BinaryPrimitives.ReadUInt32BigEndian(bytes); return true; }
        if (address.IsIPv4MappedToIPv6) { low = BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]); return true; }
        high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        return false;
    }
}
