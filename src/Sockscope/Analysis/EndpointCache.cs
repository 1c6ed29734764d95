using System.Buffers.Binary;
using System.Net;

namespace Sockscope.Analysis;

/// <summary>
/// SOCKADDRs made into endpoints once: a busy host connects to the same few remote ends again and again, and each
/// connect logs its address on the entry and again on the exit. The endpoint made for an address last time is
/// handed out again, so the analysis allocates (and the runtime zeroes fresh memory for) far fewer of them: on the
/// 5 M-event busy-host trace, endpoints were about a third of all the bytes the analysis allocated.
/// </summary>
/// <remarks>
/// Direct-mapped by a hash of what <see cref="SocketAddresses.FromSockaddr"/> reads (family, port, address, scope):
/// a slot keeps the last address that fell into it. The endpoints are shared between sockets and findings, which
/// compare them by value and never change them.
/// </remarks>
internal sealed class EndpointCache
{
    private const int Slots = 4096;
    private readonly Entry[] _entries = new Entry[Slots];

    private struct Entry
    {
        public UInt128 Address;
        public uint Scope;
        public ushort Port;
        public ushort Family;
        public IPEndPoint? Endpoint;
    }

    /// <summary>The same endpoint as <see cref="SocketAddresses.FromSockaddr"/>, the one made before for these bytes where there is one.</summary>
    public IPEndPoint? FromSockaddr(ReadOnlySpan<byte> sa)
    {
        if (sa.Length < 8) return null;
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(sa);
        ushort port = BinaryPrimitives.ReadUInt16LittleEndian(sa[2..]);
        UInt128 address;
        uint scope = 0;
        if (family == 2) address = BinaryPrimitives.ReadUInt32LittleEndian(sa[4..]);
        else if (family == 23 && sa.Length >= 24)
        {
            address = BinaryPrimitives.ReadUInt128LittleEndian(sa[8..]);
            if (sa.Length >= 28) scope = BinaryPrimitives.ReadUInt32LittleEndian(sa[24..]);
        }
        else return null;
        return Find(sa, family, port, address, scope, legacy: false);
    }

    /// <summary>The same endpoint as <see cref="SocketAddresses.FromAddressAndPort(ReadOnlySpan{byte}, ushort)"/> (a legacy event's address and port), made once.</summary>
    public IPEndPoint? FromAddressAndPort(ReadOnlySpan<byte> address, ushort port)
    {
        // Keyed as the SOCKADDR of the same endpoint would be: the two kinds of event share their endpoints.
        if (address.Length == 4) return Find(address, 2, BinaryPrimitives.ReverseEndianness(port), BinaryPrimitives.ReadUInt32LittleEndian(address), 0, legacy: true);
        if (address.Length == 16) return Find(address, 23, BinaryPrimitives.ReverseEndianness(port), BinaryPrimitives.ReadUInt128LittleEndian(address), 0, legacy: true);
        return null;
    }

    private IPEndPoint? Find(ReadOnlySpan<byte> bytes, ushort family, ushort port, UInt128 address, uint scope, bool legacy)
    {
        ulong mixed = ((ulong)(address >> 64) ^ (ulong)address ^ ((ulong)scope << 32) ^ ((ulong)port << 16) ^ family) * 0x9E3779B97F4A7C15UL;
        ref var entry = ref _entries[(int)(mixed >> 52)];
        if (entry.Endpoint is { } known && entry.Address == address && entry.Port == port && entry.Family == family && entry.Scope == scope)
            return known;
        var endpoint = legacy ? SocketAddresses.FromAddressAndPort(bytes, BinaryPrimitives.ReverseEndianness(port)) : SocketAddresses.FromSockaddr(bytes);
        entry = new Entry { Address = address, Scope = scope, Port = port, Family = family, Endpoint = endpoint };
        return endpoint;
    }
}
