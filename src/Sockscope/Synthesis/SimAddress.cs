using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Sockscope.Decoding.Values;

namespace Sockscope.Synthesis;

/// <summary>
/// An address and port in the forms the events carry: a SOCKADDR (family little-endian, port big-endian:
/// SOCKADDR_IN is 16 bytes, SOCKADDR_IN6 28), and the bare address bytes of the Windows 7 events (4 or 16).
/// </summary>
internal sealed class SimAddress
{
    public IPEndPoint EndPoint { get; }
    public byte[] SockAddr { get; }
    public byte[] Raw { get; }
    public bool IsV6 => EndPoint.AddressFamily == AddressFamily.InterNetworkV6;
    public int Family => IsV6 ? AddressFamilies.InterNetworkV6 : AddressFamilies.InterNetwork;
    public ushort Port => (ushort)EndPoint.Port;

    public SimAddress(IPEndPoint endPoint)
    {
        EndPoint = endPoint;
        Raw = endPoint.Address.GetAddressBytes();
        SockAddr = new byte[IsV6 ? 28 : 16];
        BinaryPrimitives.WriteUInt16LittleEndian(SockAddr, (ushort)Family);
        BinaryPrimitives.WriteUInt16BigEndian(SockAddr.AsSpan(2), Port);
        Raw.CopyTo(SockAddr.AsSpan(IsV6 ? 8 : 4));
    }

    public static SimAddress Parse(string address, int port) => new(new IPEndPoint(IPAddress.Parse(address), port));

    /// <summary>The wildcard address of a family with a port (what a bind exit reports for an implicit bind).</summary>
    public static SimAddress Any(bool v6, int port) => new(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, port));

    /// <summary>A copy of the end point for a truth record (IPEndPoint is mutable).</summary>
    public IPEndPoint Copy() => new(EndPoint.Address, EndPoint.Port);

    public override string ToString() => EndPoint.ToString();
}
