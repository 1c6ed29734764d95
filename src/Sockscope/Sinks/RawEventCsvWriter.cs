using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Sockscope.Etl;
using Sockscope.Events;

namespace Sockscope.Sinks;

/// <summary>
/// Writes event records as CSV (RFC 4180: comma separated, CRLF line ends, fields quoted only when they hold a comma,
/// quote or line break, quotes doubled), one header row and then one row per record, in UTF-8 without a BOM.
/// The columns are fixed so that scripts can rely on them:
/// <c>time_created, provider, guid, event_id, version, level, task, opcode, keywords, process_id, thread_id,
/// processor, header_type, pointer_size, activity_id, size, payload_hex</c>.
/// </summary>
/// <remarks>
/// Hand-written rather than through a CSV library: the schema is fixed and only the provider name can need quoting,
/// so each row is formatted straight into the output's memory with nothing allocated per record.
/// <c>time_created</c> is ISO 8601 UTC with 7 fractional digits and "Z"; GUIDs are upper case in braces;
/// <c>process_id</c> and <c>thread_id</c> are -1 for records without them (as in the JSON output).
/// </remarks>
public sealed class RawEventCsvWriter
{
    /// <summary>The header row's column names, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "time_created", "provider", "guid", "event_id", "version", "level", "task", "opcode", "keywords",
        "process_id", "thread_id", "processor", "header_type", "pointer_size", "activity_id", "size", "payload_hex",
    ];

    private static readonly byte[][] LayoutNames = Enum.GetValues<TraceHeaderFamily>()
        .Select(f => Encoding.ASCII.GetBytes(f.LayoutName())).ToArray();

    // Every column but the provider name and the payload, at its widest, with separators and the line end.
    private const int FixedRowBytes = 512;

    private readonly IBufferWriter<byte> _output;
    private readonly Stream? _stream;
    private readonly ArrayBufferWriter<byte>? _buffer;
    private readonly int _flushAt;
    private readonly EtlClock _clock;
    private readonly ProviderFormCache<ProviderCells> _providers;

    /// <summary>Creates a writer over memory the caller drains, and writes the header row.</summary>
    /// <param name="output">Where the rows go.</param>
    /// <param name="clock">The trace's clock (<see cref="EtlReader.Clock"/>).</param>
    /// <param name="names">Provider names; the caller lets it learn every record before writing it.</param>
    public RawEventCsvWriter(IBufferWriter<byte> output, EtlClock clock, ProviderNames names)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _providers = new ProviderFormCache<ProviderCells>(names, (guid, name) => new ProviderCells(guid, name));
        WriteHeader();
    }

    /// <summary>
    /// Creates a writer over a stream, buffering about <paramref name="bufferSize"/> bytes between writes to it, and
    /// writes the header row. Call <see cref="Flush"/> at the end.
    /// </summary>
    public RawEventCsvWriter(Stream stream, EtlClock clock, ProviderNames names, int bufferSize = 1 << 20)
        : this(new ArrayBufferWriter<byte>(Math.Max(bufferSize, 4096)), clock, names)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _buffer = (ArrayBufferWriter<byte>)_output;
        _flushAt = Math.Max(bufferSize, 4096);
    }

    /// <summary>Writes one record as one row.</summary>
    public void Write(in EtlRecord record)
    {
        var provider = _providers.Get(record);
        var payload = record.UserData;
        var row = _output.GetSpan(FixedRowBytes + provider.NameCell.Length + payload.Length * 2);
        int n = EventJsonWriter.FormatTime(EtlClock.FromFileTime(_clock.ToFileTime(record.Timestamp)), row, 7, "Z,"u8);
        provider.NameCell.CopyTo(row[n..]);
        n += provider.NameCell.Length;
        row[n++] = (byte)',';
        provider.GuidCell.CopyTo(row[n..]);
        n += provider.GuidCell.Length;
        Number(row, ref n, record.Id);
        Number(row, ref n, record.Version);
        Number(row, ref n, record.Level);
        Number(row, ref n, record.Task);
        Number(row, ref n, record.Opcode);
        row[n++] = (byte)',';
        n += EventJsonWriter.FormatKeywords(record.Keywords, row[n..]);
        bool known = record.HasProcessInfo;
        Number(row, ref n, known ? record.ProcessId : -1L);
        Number(row, ref n, known ? record.ThreadId : -1L);
        Number(row, ref n, record.ProcessorIndex);
        row[n++] = (byte)',';
        var layout = LayoutNames[(int)record.Family];
        layout.CopyTo(row[n..]);
        n += layout.Length;
        Number(row, ref n, record.PointerSize);
        row[n++] = (byte)',';
        n += EventJsonWriter.FormatGuid(record.ActivityId, row[n..]);
        Number(row, ref n, record.Size);
        row[n++] = (byte)',';
        Convert.TryToHexString(payload, row[n..], out int hex);
        n += hex;
        row[n++] = (byte)'\r';
        row[n++] = (byte)'\n';
        _output.Advance(n);
        if (_stream is not null && _buffer!.WrittenCount >= _flushAt) Drain();
    }

    /// <summary>Writes what is buffered to the stream, when the writer has one, and flushes it.</summary>
    public void Flush()
    {
        if (_stream is null) return;
        Drain();
        _stream.Flush();
    }

    private void Drain()
    {
        _stream!.Write(_buffer!.WrittenSpan);
        _buffer.ResetWrittenCount();
    }

    private void WriteHeader()
    {
        var line = Encoding.ASCII.GetBytes(string.Join(',', Columns) + "\r\n");
        _output.Write(line);
    }

    private static void Number(Span<byte> row, ref int n, long value)
    {
        row[n++] = (byte)',';
        Utf8Formatter.TryFormat(value, row[n..], out int written);
        n += written;
    }

    /// <summary>Quotes a field when RFC 4180 asks for it.</summary>
    internal static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";

    /// <summary>One provider's cells, formatted once.</summary>
    private sealed class ProviderCells
    {
        public readonly byte[] GuidCell;
        public readonly byte[] NameCell;

        public ProviderCells(Guid guid, string? name)
        {
            GuidCell = new byte[EventJsonWriter.GuidLength];
            EventJsonWriter.FormatGuid(guid, GuidCell);
            NameCell = Encoding.UTF8.GetBytes(Quote(name ?? ""));
        }
    }
}
