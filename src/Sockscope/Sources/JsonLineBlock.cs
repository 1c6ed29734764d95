using System.Runtime.ExceptionServices;
using Sockscope.Etl.Writing;

namespace Sockscope.Sources;

/// <summary>
/// Whole lines of a JSON lines input, and what parsing them gave: the records made, in order, with the problems
/// and counts met between them. Blocks go round between the reader and the parsers, so their buffers are reused.
/// </summary>
internal sealed class JsonLineBlock
{
    /// <summary>The bytes of the lines, newlines included (but maybe the input's last).</summary>
    public byte[] Bytes = [];
    public int Length;
    /// <summary>Where the block starts in the input.</summary>
    public long Offset;
    /// <summary>Where a line too long to read starts (the block then holds no lines), or -1.</summary>
    public long TooLongAt = -1;

    /// <summary>The records' bytes, one after another.</summary>
    public byte[] Records = new byte[1 << 16];
    public int RecordsLength;
    public Made[] Events = new Made[256];
    public int EventCount;
    public readonly List<Problem> Problems = new();
    /// <summary>What parsing threw, and before which event: it reaches the reader in the place it was thrown.</summary>
    public ExceptionDispatchInfo? Failure;
    public int FailureBefore;
    public long UnknownEvents, BadLines, ValuesNotUnderstood, DocumentLines;

    /// <summary>An event made into a record: where its bytes end in <see cref="Records"/>, its line, time and process.</summary>
    public struct Made
    {
        public int End;
        public long Offset;
        public long Stamp;
        public uint ProcessId;
        public string? ProcessName;
    }

    /// <summary>A line skipped, reported before the event at <see cref="Before"/>.</summary>
    public readonly record struct Problem(int Before, long Offset, string Message);

    /// <summary>Room for one more record at <see cref="RecordsLength"/>.</summary>
    public Span<byte> RecordRoom()
    {
        const int room = TraceRecordEncoder.MaxRecordSize + 8;
        if (Records.Length - RecordsLength < room) Array.Resize(ref Records, Math.Max(2 * Records.Length, RecordsLength + room));
        return Records.AsSpan(RecordsLength, room);
    }

    public void Add(int size, long offset, long stamp, uint processId, string? processName)
    {
        if (EventCount == Events.Length) Array.Resize(ref Events, 2 * Events.Length);
        RecordsLength += size;
        Events[EventCount++] = new Made { End = RecordsLength, Offset = offset, Stamp = stamp, ProcessId = processId, ProcessName = processName };
    }

    /// <summary>Empties what parsing gave, for the next lines.</summary>
    public void ClearParsed()
    {
        RecordsLength = 0;
        // Drop the names, so a recycled block keeps no strings alive.
        Array.Clear(Events, 0, EventCount);
        EventCount = 0;
        Problems.Clear();
        Failure = null;
        FailureBefore = 0;
        UnknownEvents = BadLines = ValuesNotUnderstood = DocumentLines = 0;
    }
}
