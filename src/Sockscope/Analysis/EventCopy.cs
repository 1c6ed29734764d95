using Sockscope.Schema;

namespace Sockscope.Analysis;

/// <summary>
/// What a decoded event's record held beyond the <see cref="SocketEvent"/> lifted from it: its schema, header values
/// and where its payload (cut at the batch's limit) lies in the batch's bytes. Plain values, so the event can cross
/// to the analysing thread and be kept (a report's socket event log) without the record.
/// </summary>
internal struct EventCopy
{
    /// <summary>The event's schema; null for a record the catalog does not decode (a kernel Process event).</summary>
    public EventSchema? Schema;
    /// <summary>The raw time stamp.</summary>
    public long Stamp;
    /// <summary>The header's process id, or <see cref="uint.MaxValue"/> when the header carries none.</summary>
    public uint ProcessId;
    /// <summary>The header's thread id, or <see cref="uint.MaxValue"/> when the header carries none.</summary>
    public uint ThreadId;
    /// <summary>The record's pointer size.</summary>
    public byte PointerSize;
    /// <summary>The whole payload's length, of which the first <see cref="Length"/> bytes were copied.</summary>
    public int PayloadLength;
    /// <summary>Where the copied payload starts in the batch's bytes.</summary>
    public int Offset;
    /// <summary>Bytes of the payload copied.</summary>
    public int Length;
}
