using System.Buffers.Binary;
using System.Net;

namespace Sockscope.Analysis;

/// <summary>SOCKADDRs and the legacy events' address and port fields as <see cref="IPEndPoint"/>s.</summary>
internal static class SocketAddresses
{
    /// <summary>An AF_INET or AF_INET6 SOCKADDR as an endpoint; null for other families or short bytes.</summary>
    public static IPEndPoint? FromSockaddr(ReadOnlySpan<byte> sa)
    {
        if (sa.Length < 8) return null;
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(sa);
        int port = BinaryPrimitives.ReadUInt16BigEndian(sa[2..]);
        if (family == 2) return new IPEndPoint(new IPAddress(sa.Slice(4, 4)), port);
        if (family == 23 && sa.Length >= 24)
        {
            long scope = sa.Length >= 28 ? BinaryPrimitives.ReadUInt32LittleEndian(sa[24..]) : 0;
            return new IPEndPoint(new IPAddress(sa.Slice(8, 16), scope), port);
        }
        return null;
    }

    /// <summary>A legacy event's Address (4 bytes IPv4 or 16 bytes IPv6, network order) and Port (big-endian) as an endpoint.</summary>
    public static IPEndPoint? FromAddressAndPort(ReadOnlySpan<byte> address, ReadOnlySpan<byte> port)
    {
        if (port.Length != 2) return null;
        return FromAddressAndPort(address, BinaryPrimitives.ReadUInt16BigEndian(port));
    }

    /// <summary>A legacy event's Address (4 bytes IPv4 or 16 bytes IPv6, network order) and a port as an endpoint.</summary>
    public static IPEndPoint? FromAddressAndPort(ReadOnlySpan<byte> address, ushort port) =>
        address.Length is 4 or 16 ? new IPEndPoint(new IPAddress(address), port) : null;
}
