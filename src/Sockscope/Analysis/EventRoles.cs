using Sockscope.Decoding;
using Sockscope.Schema;

namespace Sockscope.Analysis;

/// <summary>The fields the analysis reads, found once per event schema by name.</summary>
internal enum Role
{
    EnterExit, Location, Process, Endpoint, AddressFamily, SocketType, Protocol, ProcessId, UserModePid, Status, Error,
    Buffer, BufferLength, Address, Port, AcceptEndpoint, ListenEndpoint, Backlog, Reason, Option, Value, PacketSize,
    Socket, SocketAccepted, SocketListening, ErrorCode,
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

/// <summary>Reads the role fields of one event.</summary>
internal interface IRoleSource
{
    /// <summary>The event's schema.</summary>
    EventSchema Schema { get; }
    /// <summary>The field index of a role, or -1.</summary>
    int Index(Role r);
    /// <summary>True when the event carried the field.</summary>
    bool Has(Role r);
    /// <summary>An integer field's number (0 when missing).</summary>
    ulong Number(Role r);
    /// <summary>A field's bytes (empty when missing).</summary>
    ReadOnlySpan<byte> Bytes(Role r);
}

/// <summary>Reads role fields of a decoded event.</summary>
internal readonly ref struct RoleReader : IRoleSource
{
    private readonly DecodedEvent _e;
    private readonly int[] _roles;

    public RoleReader(in DecodedEvent e, int[] roles)
    {
        _e = e;
        _roles = roles;
    }

    public EventSchema Schema => _e.Schema;
    public bool Has(Role r) => _roles[(int)r] >= 0 && _e.Has(_roles[(int)r]);
    public ulong Number(Role r) => _roles[(int)r] >= 0 ? _e.Number(_roles[(int)r]) : 0;
    public ReadOnlySpan<byte> Bytes(Role r) => _roles[(int)r] >= 0 ? _e.Bytes(_roles[(int)r]) : default;
    public int Index(Role r) => _roles[(int)r];
}

/// <summary>Reads role fields straight from a payload that holds all of them at the offsets of a <see cref="RoleLayout"/>.</summary>
internal readonly ref struct FixedRoleReader : IRoleSource
{
    private readonly ReadOnlySpan<byte> _payload;
    private readonly RoleLayout _layout;
    private readonly ReadOnlySpan<byte> _address;
    private readonly int _addressEnd;

    public FixedRoleReader(ReadOnlySpan<byte> payload, RoleLayout layout, ReadOnlySpan<byte> address, int addressEnd)
    {
        _payload = payload;
        _layout = layout;
        _address = address;
        _addressEnd = addressEnd;
    }

    public EventSchema Schema => _layout.Schema;
    public bool Has(Role r) => _layout.Has(r);
    public ulong Number(Role r) => _layout.Number(_payload, r, _addressEnd);
    public ReadOnlySpan<byte> Bytes(Role r) => r == Role.Address ? _address : _layout.Bytes(_payload, r, _addressEnd);
    public int Index(Role r) => _layout.Indices[(int)r];
}
