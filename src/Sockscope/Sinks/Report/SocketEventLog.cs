using Sockscope.Analysis;
using Sockscope.Schema;

namespace Sockscope.Sinks.Report;

/// <summary>
/// One socket's first events while the trace is read, kept raw (schema, header values and a copy of the payload):
/// most sockets are dropped from a report when they close, so their events are rendered only if they are kept.
/// </summary>
internal sealed class SocketEventLog(HeldSchemas schemas)
{
    /// <summary>Bytes a held event costs beyond its payload (its entry and array slack).</summary>
    public const int EntryCost = 48;
    /// <summary>Longest payload kept of one event; Winsock payloads are a few hundred bytes, a hostile one can be 64 KiB.</summary>
    public const int MaxPayload = 4096;

    // No references: a held entry costs the collector no write barrier, and the arrays nothing to clear or for the GC to scan.
    private struct Entry
    {
        public int Schema;
        public long Stamp;
        public uint ProcessId;
        public uint ThreadId;
        public int Offset;
        public int Length;
        public byte PointerSize;
    }

    private Entry[] _entries = new Entry[8];
    private byte[] _payload = new byte[512];
    private int _payloadUsed;

    /// <summary>The socket's number.</summary>
    public long SocketId { get; set; }
    /// <summary>Events seen about the socket.</summary>
    public long Total { get; set; }
    /// <summary>Events held.</summary>
    public int Count { get; private set; }
    /// <summary>Bytes these events cost (payloads and entries).</summary>
    public long HeldBytes { get; private set; }
    /// <summary>The socket's bytes sent as of its last event (to tell what each event moved).</summary>
    public long LastSent { get; set; }
    /// <summary>The socket's bytes received as of its last event.</summary>
    public long LastReceived { get; set; }

    /// <summary>What holding this event would cost.</summary>
    public static int Cost(in EventCopy record) => EntryCost + Math.Min(record.PayloadLength, MaxPayload);

    /// <summary>Holds an event (its payload cut at <see cref="MaxPayload"/>).</summary>
    public void Add(in EventCopy record, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxPayload) payload = payload[..MaxPayload];
        if (Count == _entries.Length) Array.Resize(ref _entries, Count * 2);
        if (_payloadUsed + payload.Length > _payload.Length) Array.Resize(ref _payload, Math.Max(_payload.Length * 2, _payloadUsed + payload.Length));
        payload.CopyTo(_payload.AsSpan(_payloadUsed));
        _entries[Count++] = new Entry
        {
            Schema = schemas.IndexOf(record.Schema!),
            Stamp = record.Stamp,
            ProcessId = record.ProcessId,
            ThreadId = record.ThreadId,
            Offset = _payloadUsed,
            Length = payload.Length,
            PointerSize = record.PointerSize,
        };
        _payloadUsed += payload.Length;
        HeldBytes += EntryCost + payload.Length;
    }

    /// <summary>Event <paramref name="index"/>'s schema.</summary>
    public EventSchema SchemaOf(int index) => schemas[_entries[index].Schema];

    /// <summary>Event <paramref name="index"/>: its header values, and its payload to decode again.</summary>
    public ReadOnlySpan<byte> Get(int index, out EventSchema schema, out long stamp, out uint processId, out uint threadId, out int pointerSize)
    {
        ref var e = ref _entries[index];
        schema = schemas[e.Schema];
        stamp = e.Stamp;
        processId = e.ProcessId;
        threadId = e.ThreadId;
        pointerSize = e.PointerSize;
        return _payload.AsSpan(e.Offset, e.Length);
    }

    /// <summary>Empties the log for another socket; large arrays are let go rather than kept in a pool.</summary>
    public void Reset()
    {
        if (_entries.Length > 128) _entries = new Entry[8];
        if (_payload.Length > 16 * 1024) _payload = new byte[512];
        Count = 0;
        _payloadUsed = 0;
        HeldBytes = 0;
        Total = 0;
        LastSent = 0;
        LastReceived = 0;
        SocketId = 0;
    }
}
