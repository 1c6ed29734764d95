using Sockscope.Decoding.Values;
using Sockscope.Schema;

namespace Sockscope.Sinks;

/// <summary>The documented value sets that manifests do not carry as maps (<see cref="KnownValues"/>), by value.</summary>
internal static class KnownValueNames
{
    private static readonly Lazy<KeyValuePair<ulong, string>[]> Types = new(() =>
        Decoding.Values.SocketTypes.All.OrderBy(kv => kv.Key).Select(kv => new KeyValuePair<ulong, string>(kv.Key, kv.Value)).ToArray());

    private static readonly Lazy<KeyValuePair<ulong, string>[]> Families = new(() =>
        AddressFamilies.All.OrderBy(kv => kv.Key).Select(kv => new KeyValuePair<ulong, string>(kv.Key, kv.Value)).ToArray());

    private static readonly Lazy<KeyValuePair<ulong, string>[]> Protocols = new(() =>
        IpProtocols.All.OrderBy(kv => kv.Key).Select(kv => new KeyValuePair<ulong, string>(kv.Key, kv.Value)).ToArray());

    /// <summary>The values of a set and their names, by value (the same names the decoder shows).</summary>
    public static IReadOnlyList<KeyValuePair<ulong, string>> Entries(KnownValues set) => set switch
    {
        KnownValues.AddressFamily => Families.Value,
        KnownValues.IpProtocol => Protocols.Value,
        KnownValues.SocketType => Types.Value,
        _ => [],
    };

    /// <summary>What a set is, for a person: "address families (AF_*)".</summary>
    public static string Describe(KnownValues set) => set switch
    {
        KnownValues.AddressFamily => "address families (AF_*)",
        KnownValues.IpProtocol => "IP protocols (IANA keywords)",
        KnownValues.SocketType => "socket types (SOCK_*)",
        _ => "",
    };
}
