using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Schema;
using Sockscope.Sources;

namespace Sockscope.Analysis;

/// <summary>
/// Reads a trace, decodes its Winsock events and lifts what the analysis needs of them (and of kernel Process
/// events) into batches of <see cref="SocketEvent"/>s, in the reader's order.
/// </summary>
internal sealed class SocketEventFeed(IEventSource reader, SchemaCatalog catalog)
{
    private readonly EventDecoder _decoder = new(catalog);
    private readonly SocketEventReader _lift = new();

    /// <summary>Records read so far.</summary>
    public long Records { get; private set; }

    /// <summary>Fills <paramref name="batch"/> from the front; returns how many events it holds (0 at the end of the trace).</summary>
    public int Fill(SocketEvent[] batch)
    {
        int n = 0;
        long records = Records;
        while (n < batch.Length && reader.TryRead(out var record))
        {
            records++;
            if (record.Family == TraceHeaderFamily.EventHeader)
            {
                if (_lift.TryRead(record, _decoder, ref batch[n])) n++;
            }
            else if (SocketEventReader.TryReadProcess(record, ref batch[n])) n++;
        }
        Records = records;
        return n;
    }

    /// <summary>
    /// Fills <paramref name="batch"/> as <see cref="Fill(SocketEvent[])"/> does, and copies each decoded event's record
    /// (its payload cut at <paramref name="maxCopied"/> bytes) beside it; a record the catalog decodes but the analysis
    /// does not read comes too, as an event of no source, so the observer sees every decoded event in order. Returns
    /// the events filled (0 at the end of the trace).
    /// </summary>
    public int Fill(CopiedEventBatch batch, int maxCopied)
    {
        var events = batch.Events;
        var copies = batch.Copies;
        int n = 0;
        long records = Records;
        // Handed on before a payload might not fit: the arena never grows.
        int payloadEnd = batch.Payloads.Length - maxCopied;
        while (n < events.Length && batch.PayloadUsed <= payloadEnd && reader.TryRead(out var record))
        {
            records++;
            if (record.Family == TraceHeaderFamily.EventHeader)
            {
                EventSchema? schema;
                if (_lift.TryRead(record, _decoder, ref events[n])) schema = _lift.LastSchema ?? _decoder.SchemaOf(record);
                else if ((schema = _decoder.SchemaOf(record)) is not null) events[n].Source = SocketEventSource.None;
                else continue;
                var payload = record.UserData;
                int copied = Math.Min(payload.Length, maxCopied);
                payload[..copied].CopyTo(batch.Payloads.AsSpan(batch.PayloadUsed));
                copies[n] = new EventCopy
                {
                    Schema = schema,
                    Stamp = record.Timestamp,
                    ProcessId = record.HasProcessInfo ? record.ProcessId : uint.MaxValue,
                    ThreadId = record.HasProcessInfo ? record.ThreadId : uint.MaxValue,
                    PointerSize = (byte)record.PointerSize,
                    PayloadLength = payload.Length,
                    Offset = batch.PayloadUsed,
                    Length = copied,
                };
                batch.PayloadUsed += copied;
                n++;
            }
            else if (SocketEventReader.TryReadProcess(record, ref events[n]))
            {
                copies[n].Schema = null;
                n++;
            }
        }
        Records = records;
        batch.Count = n;
        return n;
    }
}
