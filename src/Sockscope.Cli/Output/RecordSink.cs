using System.Buffers;
using Sockscope.Cli.Commands;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Sinks;

namespace Sockscope.Cli.Output;

/// <summary>One of the event writers behind one call, chosen by <c>--format</c>.</summary>
internal abstract class RecordSink
{
    /// <summary>Formats one record into the output buffer.</summary>
    public abstract void Write(in EtlRecord record);

    /// <summary>Formats one decoded record into the output buffer.</summary>
    public virtual void Write(in EtlRecord record, in DecodedEvent decoded) => Write(record);

    /// <summary>
    /// The writer for <paramref name="format"/>; CSV and table write their header row now. A table fits
    /// <paramref name="width"/> (a terminal's) or, when null, writes every value whole; times are in
    /// <paramref name="zone"/> (UTC when null) except in JSON lines.
    /// </summary>
    public static RecordSink Create(DumpFormat format, IBufferWriter<byte> output, EtlClock clock, ProviderNames names,
        string? computer, int? width, TimeZoneInfo? zone, Schema.SchemaCatalog? catalog = null) => format switch
    {
        DumpFormat.Csv => new Csv(new EventCsvWriter(output, clock, names, catalog) { TimeZone = zone }),
        DumpFormat.Table => new Table(new EventTableWriter(output, clock, names, width, zone)),
        _ => new Json(new EventJsonWriter(output, clock, names, computer)),
    };

    private sealed class Json(EventJsonWriter writer) : RecordSink
    {
        public override void Write(in EtlRecord record) => writer.Write(record);
        public override void Write(in EtlRecord record, in DecodedEvent decoded) => writer.Write(record, decoded);
    }

    private sealed class Csv(EventCsvWriter writer) : RecordSink
    {
        public override void Write(in EtlRecord record) => writer.Write(record);
        public override void Write(in EtlRecord record, in DecodedEvent decoded) => writer.Write(record, decoded);
    }

    private sealed class Table(EventTableWriter writer) : RecordSink
    {
        public override void Write(in EtlRecord record) => writer.Write(record);
        public override void Write(in EtlRecord record, in DecodedEvent decoded) => writer.Write(record, decoded);
    }
}
