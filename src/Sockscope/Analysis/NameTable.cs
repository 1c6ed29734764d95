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
    private readonly Dictionary<(uint ProcessId, IPAddress Address), string> _names = new();

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
            var key = (processId, Plain(address));
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
        _names.Count == 0 ? null : _names.GetValueOrDefault((processId, Plain(address)));

    // Sockets show an IPv4 peer of a dual-stack socket as ::ffff:a.b.c.d, and a lookup's result as a.b.c.d, or the
    // other way round; a scope id is no part of the name.
    private static IPAddress Plain(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0) return new IPAddress(address.GetAddressBytes());
        return address;
    }
}
