namespace Sockscope.Analysis;

/// <summary>
/// The sockets open, by AFD endpoint: a dictionary (whose order <see cref="SocketAnalyzer.Complete"/> keeps for the
/// sockets left open at the end) behind a direct-mapped table of the sockets found lately. Nearly every event looks
/// its socket up, among the few hundred a busy host has open at once; the table answers most of them with one
/// compare instead of a hash lookup in the dictionary.
/// </summary>
internal sealed class OpenSockets
{
    private const int RecentBits = 10;
    private readonly Dictionary<ulong, SocketState> _byEndpoint = new();
    private readonly Recent[] _recent = new Recent[1 << RecentBits];

    // Always agrees with the dictionary: a slot names a socket still open there, or nothing.
    private struct Recent
    {
        public ulong Endpoint;
        public SocketState? State;
    }

    private ref Recent SlotOf(ulong endpoint) => ref _recent[(int)(endpoint * 0x9E3779B97F4A7C15UL >> (64 - RecentBits))];

    /// <summary>The sockets open, in the dictionary's order.</summary>
    public Dictionary<ulong, SocketState>.ValueCollection Values => _byEndpoint.Values;

    /// <summary>The socket open at <paramref name="endpoint"/>.</summary>
    public bool TryGetValue(ulong endpoint, out SocketState state)
    {
        ref var slot = ref SlotOf(endpoint);
        if (slot.State is { } known && slot.Endpoint == endpoint)
        {
            state = known;
            return true;
        }
        if (!_byEndpoint.TryGetValue(endpoint, out state!)) return false;
        slot.Endpoint = endpoint;
        slot.State = state;
        return true;
    }

    /// <summary>True when a socket is open at <paramref name="endpoint"/>.</summary>
    public bool ContainsKey(ulong endpoint) => TryGetValue(endpoint, out _);

    /// <summary>Opens <paramref name="state"/> at <paramref name="endpoint"/>, in place of any socket there.</summary>
    public void Set(ulong endpoint, SocketState state)
    {
        _byEndpoint[endpoint] = state;
        ref var slot = ref SlotOf(endpoint);
        slot.Endpoint = endpoint;
        slot.State = state;
    }

    /// <summary>Closes the socket at <paramref name="endpoint"/>; false when none was open there.</summary>
    public bool Remove(ulong endpoint, out SocketState state)
    {
        if (!_byEndpoint.Remove(endpoint, out state!)) return false;
        ref var slot = ref SlotOf(endpoint);
        if (slot.Endpoint == endpoint) slot.State = null;
        return true;
    }

    /// <summary>Closes every socket.</summary>
    public void Clear()
    {
        _byEndpoint.Clear();
        Array.Clear(_recent);
    }
}
