using Sockscope.Decoding;
using Sockscope.Schema;

namespace Sockscope.Analysis;

/// <summary>The fields the analysis reads, found once per event schema by name.</summary>
internal enum Role
{
    EnterExit, Location, Process, Endpoint, AddressFamily, SocketType, Protocol, ProcessId, UserModePid, Status, Error,
    Buffer, BufferLength, Address, AddressLen, Port, AcceptEndpoint, ListenEndpoint, CurrentBacklog, Backlog, Reason,
    Option, Value, PacketSize, BytesIndicated, Socket, SocketAccepted, SocketListening, ErrorCode, Level, OptName, OptVal,
    Count,
}

/// <summary>Per-schema indices of the fields the analysis reads (-1 when the event has no such field).</summary>
internal sealed class EventRoles
{
    private static readonly string[] Names = Enum.GetNames<Role>()[..(int)Role.Count];
    private readonly Dictionary<EventSchema, int[]> _cache = new(ReferenceEqualityComparer.Instance);
    private EventSchema? _last;
    private int[] _lastIndices = [];

    public int[] Of(EventSchema schema)
    {
        if (ReferenceEquals(schema, _last)) return _lastIndices;
        if (!_cache.TryGetValue(schema, out var indices))
        {
            indices = new int[Names.Length];
            for (int r = 0; r < Names.Length; r++) indices[r] = schema.IndexOf(Names[r]);
            if (_cache.Count < 4096) _cache[schema] = indices;
        }
        _last = schema;
        _lastIndices = indices;
        return indices;
    }
}

/// <summary>Reads role fields of a decoded event.</summary>
internal readonly ref struct RoleReader
{
    private readonly DecodedEvent _e;
    private readonly int[] _roles;

    public RoleReader(in DecodedEvent e, int[] roles)
    {
        _e = e;
        _roles = roles;
    }

    public bool Has(Role r) => _roles[(int)r] >= 0 && _e.Has(_roles[(int)r]);
    public ulong Number(Role r) => _roles[(int)r] >= 0 ? _e.Number(_roles[(int)r]) : 0;
    public ReadOnlySpan<byte> Bytes(Role r) => _roles[(int)r] >= 0 ? _e.Bytes(_roles[(int)r]) : default;
    public int Index(Role r) => _roles[(int)r];
    public DecodedEvent Event => _e;
}
