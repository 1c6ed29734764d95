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
}
