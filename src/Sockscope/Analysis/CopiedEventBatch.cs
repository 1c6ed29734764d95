namespace Sockscope.Analysis;

/// <summary>
/// A batch of lifted events with a copy of each decoded event's record (<see cref="EventCopy"/>), filled on the
/// reading thread and analysed on another. Its sizes are fixed: the payload bytes are a fixed arena, and a batch is
/// handed on once the next payload might not fit, so memory does not grow with the events.
/// </summary>
internal sealed class CopiedEventBatch(int capacity, int payloadBytes)
{
    /// <summary>The events, the first <see cref="Count"/> of them filled.</summary>
    public readonly SocketEvent[] Events = new SocketEvent[capacity];
    /// <summary>Each event's record: <see cref="EventCopy.Schema"/> null for one the observer is not shown.</summary>
    public readonly EventCopy[] Copies = new EventCopy[capacity];
    /// <summary>The copied payloads.</summary>
    public readonly byte[] Payloads = new byte[payloadBytes];
    /// <summary>Each shown event's socket once analysed (null for none), for an observer on a third thread.</summary>
    public readonly SocketRecord?[] Sockets = new SocketRecord?[capacity];
    /// <summary>That socket's bytes sent as of the event.</summary>
    public readonly long[] Sent = new long[capacity];
    /// <summary>That socket's bytes received as of the event.</summary>
    public readonly long[] Received = new long[capacity];
    /// <summary>The sockets completed and findings found while the batch was analysed, in order.</summary>
    public readonly List<CopiedEventNote> Notes = [];
    /// <summary>Events filled.</summary>
    public int Count;
    /// <summary>Bytes of <see cref="Payloads"/> used.</summary>
    public int PayloadUsed;

    /// <summary>Event <paramref name="index"/>'s copied payload.</summary>
    public ReadOnlySpan<byte> PayloadOf(int index) => Payloads.AsSpan(Copies[index].Offset, Copies[index].Length);

    /// <summary>Empties the batch for reuse (the events are overwritten as it is filled again).</summary>
    public void Reset()
    {
        // The sockets are let go: a batch waiting to be filled must not keep records alive.
        Array.Clear(Sockets, 0, Count);
        Notes.Clear();
        Count = 0;
        PayloadUsed = 0;
    }
}
