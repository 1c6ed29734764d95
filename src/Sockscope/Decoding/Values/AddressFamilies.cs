using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Sockscope.Decoding.Values;

/// <summary>
/// Symbolic names of Windows socket address families (<c>AF_*</c>), for rendering the AddressFamily fields of
/// Winsock events. The numbers are Windows' own (AF_INET6 is 23, not Linux's 10 or BSD's 28).
/// </summary>
/// <remarks>
/// <para>
/// Every value defined by the Windows SDK's ws2def.h is here, 0 to 34; 27 is not defined there and so is not
/// named. Checked against a public copy of the SDK's ws2def.h, the mingw-w64 winsock2.h (which stops at AF_BTH)
/// and the documentation of the <c>socket</c> function. Windows defines no <c>AF_VSOCK</c>: vsock sockets on
/// Windows are Hyper-V sockets, <c>AF_HYPERV</c> (34), with the VSOCK service-GUID template, so 40 (Linux's
/// AF_VSOCK) is deliberately not named.
/// </para>
/// <para>
/// Where the header gives a value two names the one Windows documents is used: 6 is <c>AF_IPX</c> (ws2def.h
/// defines <c>AF_NS</c> and makes <c>AF_IPX</c> its alias, but the <c>socket</c> documentation lists
/// <c>AF_IPX</c>, the family Windows implemented), and 7 is <c>AF_ISO</c> (<c>AF_OSI</c> is its alias).
/// Lookups do not allocate.
/// </para>
/// </remarks>
internal static class AddressFamilies
{
    // The families the synthesizer writes, by name.
    internal const int InterNetwork = 2, InterNetworkV6 = 23;

    private static readonly (uint Value, string Name)[] Entries =
    [
        (0, "AF_UNSPEC"),
        (1, "AF_UNIX"),
        (2, "AF_INET"),
        (3, "AF_IMPLINK"),
        (4, "AF_PUP"),
        (5, "AF_CHAOS"),
        (6, "AF_IPX"),
        (7, "AF_ISO"),
        (8, "AF_ECMA"),
        (9, "AF_DATAKIT"),
        (10, "AF_CCITT"),
        (11, "AF_SNA"),
        (12, "AF_DECnet"),
        (13, "AF_DLI"),
        (14, "AF_LAT"),
        (15, "AF_HYLINK"),
        (16, "AF_APPLETALK"),
        (17, "AF_NETBIOS"),
        (18, "AF_VOICEVIEW"),
        (19, "AF_FIREFOX"),
        (20, "AF_UNKNOWN1"),
        (21, "AF_BAN"),
        (22, "AF_ATM"),
        (23, "AF_INET6"),
        (24, "AF_CLUSTER"),
        (25, "AF_12844"),
        (26, "AF_IRDA"),
        (28, "AF_NETDES"),
        (29, "AF_TCNPROCESS"),
        (30, "AF_TCNMESSAGE"),
        (31, "AF_ICLFXBM"),
        (32, "AF_BTH"),
        (33, "AF_LINK"),
        (34, "AF_HYPERV"),
    ];

    private static readonly FrozenDictionary<uint, string> ByValue = NameTable.Build(Entries);

    /// <summary>Every value and name in the table.</summary>
    public static IReadOnlyDictionary<uint, string> All => ByValue;

    /// <summary>How many address families the table names.</summary>
    public static int Count => ByValue.Count;

    /// <summary>The <c>AF_*</c> name of a Windows address family, e.g. 23 → <c>AF_INET6</c>.</summary>
    /// <param name="family">The address family as an event carries it.</param>
    /// <param name="name">The name, or null when the value is not in the table.</param>
    /// <returns>Whether the value is in the table. Does not allocate.</returns>
    public static bool TryGetName(uint family, [MaybeNullWhen(false)] out string name) =>
        ByValue.TryGetValue(family, out name);
}
