using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Sockscope.Decoding.Values;

/// <summary>
/// Names of IP protocol numbers, for rendering the Protocol fields of Winsock events on IP sockets (AF_INET and
/// AF_INET6; other families number their protocols differently, e.g. AF_BTH's 3 is RFCOMM, so callers should look
/// a protocol up here only for IP families).
/// </summary>
/// <remarks>
/// <para>
/// The names are IANA's "Assigned Internet Protocol Numbers" keywords, except for two the Winsock-Sockets manifest
/// spells its own way: its Protocol map (the "Known values" of 15 protocols) gives <c>ICMPv6</c> for 58 (IANA:
/// IPv6-ICMP) and <c>OSPF</c> for 89 (IANA: OSPFIGP), and those spellings win so that a value renders the same
/// whether the map or this table names it.
/// </para>
/// <para>
/// The table holds those 15 and every other <c>IPPROTO_*</c> value Windows' ws2def.h defines below 256, each under
/// its IANA keyword, which is not always the Windows constant's name: 22 <c>IPPROTO_IDP</c> is <c>XNS-IDP</c>, 59
/// <c>IPPROTO_NONE</c> is <c>IPv6-NoNxt</c>, 60 <c>IPPROTO_DSTOPTS</c> is <c>IPv6-Opts</c>, 77
/// <c>IPPROTO_ND</c> is <c>SUN-ND</c>, 78 <c>IPPROTO_ICLFXBM</c> is <c>WB-MON</c> (Microsoft's WSK documentation
/// describes them as "net disk" and "wideband monitoring", the same protocols). 255 is the exception: IANA lists
/// it as "Reserved", but on a Windows socket it is <c>IPPROTO_RAW</c>, so it is named <c>RAW</c>. Windows' internal
/// values from 256 up (<c>IPPROTO_RESERVED_*</c>) are not named. Lookups do not allocate.
/// </para>
/// </remarks>
internal static class IpProtocols
{
    // The protocols the analysis and the synthesizer act on, by name.
    internal const int Tcp = 6, Udp = 17;

    private static readonly (uint Value, string Name)[] Entries =
    [
        (0, "HOPOPT"),          // IPPROTO_HOPOPTS (IPPROTO_IP)
        (1, "ICMP"),            // IPPROTO_ICMP
        (2, "IGMP"),            // IPPROTO_IGMP
        (3, "GGP"),             // IPPROTO_GGP
        (4, "IPv4"),            // IPPROTO_IPV4
        (5, "ST"),              // IPPROTO_ST
        (6, "TCP"),             // IPPROTO_TCP
        (7, "CBT"),             // IPPROTO_CBT
        (8, "EGP"),             // IPPROTO_EGP
        (9, "IGP"),             // IPPROTO_IGP
        (12, "PUP"),            // IPPROTO_PUP
        (17, "UDP"),            // IPPROTO_UDP
        (22, "XNS-IDP"),        // IPPROTO_IDP
        (27, "RDP"),            // IPPROTO_RDP
        (41, "IPv6"),           // IPPROTO_IPV6
        (43, "IPv6-Route"),     // IPPROTO_ROUTING
        (44, "IPv6-Frag"),      // IPPROTO_FRAGMENT
        (47, "GRE"),            // manifest map only; Windows defines no IPPROTO_GRE
        (50, "ESP"),            // IPPROTO_ESP
        (51, "AH"),             // IPPROTO_AH
        (58, "ICMPv6"),         // IPPROTO_ICMPV6; manifest spelling (IANA: IPv6-ICMP)
        (59, "IPv6-NoNxt"),     // IPPROTO_NONE
        (60, "IPv6-Opts"),      // IPPROTO_DSTOPTS
        (77, "SUN-ND"),         // IPPROTO_ND
        (78, "WB-MON"),         // IPPROTO_ICLFXBM
        (89, "OSPF"),           // manifest map only; manifest spelling (IANA: OSPFIGP)
        (103, "PIM"),           // IPPROTO_PIM
        (113, "PGM"),           // IPPROTO_PGM (IPPROTO_RM)
        (115, "L2TP"),          // IPPROTO_L2TP
        (132, "SCTP"),          // IPPROTO_SCTP
        (255, "RAW"),           // IPPROTO_RAW (IANA: Reserved)
    ];

    private static readonly FrozenDictionary<uint, string> ByValue = NameTable.Build(Entries);

    /// <summary>Every value and name in the table.</summary>
    public static IReadOnlyDictionary<uint, string> All => ByValue;

    /// <summary>How many protocols the table names.</summary>
    public static int Count => ByValue.Count;

    /// <summary>The name of an IP protocol number, e.g. 6 → <c>TCP</c>, 58 → <c>ICMPv6</c>.</summary>
    /// <param name="protocol">The protocol number as an event carries it.</param>
    /// <param name="name">The name, or null when the value is not in the table.</param>
    /// <returns>Whether the value is in the table. Does not allocate.</returns>
    public static bool TryGetName(uint protocol, [MaybeNullWhen(false)] out string name) =>
        ByValue.TryGetValue(protocol, out name);
}
