using System.Buffers;
using Sockscope.Cli.Commands;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Sinks;

namespace Sockscope.Cli.Output;

/// <summary>One of the raw event writers behind one call, chosen by <c>--format</c>.</summary>
internal abstract class RecordSink
{
    /// <summary>Formats one record into the output buffer.</summary>
    public abstract void Write(in EtlRecord record);

    /// <summary>The writer for <paramref name="format"/>; CSV and table write their header row now.</summary>
    public static RecordSink Create(DumpFormat format, IBufferWriter<byte> output, EtlClock clock, ProviderNames names,
        string? computer, int width) => format switch
    {
        DumpFormat.Csv => new Csv(new RawEventCsvWriter(output, clock, names)),
        DumpFormat.Table => new Table(new RawEventTableWriter(output, clock, names, width)),
        _ => new Json(new RawEventJsonWriter(output, clock, names, computer)),
    };

    private sealed class Json(RawEventJsonWriter writer) : RecordSink
    {
        public override void Write(in EtlRecord record) => writer.Write(record);
    }

    private sealed class Csv(RawEventCsvWriter writer) : RecordSink
    {
        public override void Write(in EtlRecord record) => writer.Write(record);
    }

    private sealed class Table(RawEventTableWriter writer) : RecordSink
    {
        public override void Write(in EtlRecord record) => writer.Write(record);
    }
}
