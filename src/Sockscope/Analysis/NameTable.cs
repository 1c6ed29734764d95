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
    // Keyed by plain values: a key holding the IPAddress made every connect's look-up go through shared generic code
    // and cost several percent of a busy host's analysis.
    private readonly record struct Key(uint ProcessId, UInt128 Address, bool IPv4);

    private readonly Dictionary<Key, string> _names = new();

    /// <summary>Addresses named (process and address pairs held).</summary>
    public int Count => _names.Count;

    /// <summary>Process and address pairs not kept because the table was full.</summary>
    public long Dropped { get; private set; }

    /// <summary>Remembers that <paramref name="processId"/> resolved <paramref name="name"/> to each address of <paramref name="result"/>.</summary>
    public void Add(uint processId, string name, string? result)
    {
        if (string.IsNullOrEmpty(result)) return;
        foreach (var part in result.Split([';', ',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IPAddress.TryParse(part, out var address)) continue;
            var key = KeyOf(processId, address);
            if (_names.Count >= capacity && !_names.ContainsKey(key))
            {
                Dropped++;
                continue;
            }
            _names[key] = name;
        }
    }

    /// <summary>The name <paramref name="processId"/> last resolved to <paramref name="address"/>, or null.</summary>
    public string? NameOf(uint processId, IPAddress address) =>
        _names.Count == 0 ? null : _names.GetValueOrDefault(KeyOf(processId, address));

    // Sockets show an IPv4 peer of a dual-stack socket as ::ffff:a.b.c.d, and a lookup's result as a.b.c.d, or the
    // other way round: both are the IPv4 address. A scope id is no part of the name.
    private static Key KeyOf(uint processId, IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int n)) return new Key(processId, UInt128.Zero, false);
        if (n == 4) return new Key(processId, BinaryPrimitives.ReadUInt32BigEndian(bytes), true);
        if (address.IsIPv4MappedToIPv6) return new Key(processId, BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]), true);
        return new Key(processId, BinaryPrimitives.ReadUInt128BigEndian(bytes), false);
    }
}
