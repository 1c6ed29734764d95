using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Sockscope.Decoding.Values;

/// <summary>Names of the Windows socket types (<c>SOCK_*</c> of winsock2.h).</summary>
internal static class SocketTypes
{
    // The types the analysis and the synthesizer act on, by name.
    internal const int Stream = 1, Datagram = 2, Raw = 3;

    private static readonly (uint Value, string Name)[] Entries =
    [
        (1, "SOCK_STREAM"),
        (2, "SOCK_DGRAM"),
        (3, "SOCK_RAW"),
        (4, "SOCK_RDM"),
        (5, "SOCK_SEQPACKET"),
    ];

    private static readonly FrozenDictionary<uint, string> ByValue = NameTable.Build(Entries);

    /// <summary>Every value and name in the table.</summary>
    public static IReadOnlyDictionary<uint, string> All => ByValue;

    /// <summary>The <c>SOCK_*</c> name of a socket type, e.g. 1 → <c>SOCK_STREAM</c>. Does not allocate.</summary>
    public static bool TryGetName(uint type, [MaybeNullWhen(false)] out string name) => ByValue.TryGetValue(type, out name);
}
