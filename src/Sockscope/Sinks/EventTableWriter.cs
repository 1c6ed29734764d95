using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Sockscope.Decoding;
using Sockscope.Decoding.Values;
using Sockscope.Etl;
using Sockscope.Events;

namespace Sockscope.Sinks;

/// <summary>
/// Writes event records as a fixed-width text table for a person: time of day (UTC, <c>HH:mm:ss.fffffff</c>),
/// provider (cut to 28 characters with "…"), event id, opcode, process id, thread id, processor, record size, and
/// details: a decoded event's message, or as many leading payload bytes in hex as fit; cut with "…" to the width. Streaming: the header row is written once, then each row as
/// its record comes, so output starts at once and memory does not grow with the trace.
/// </summary>
public sealed class EventTableWriter
{
    /// <summary>Width of the provider column.</summary>
    public const int ProviderWidth = 28;
    /// <summary>The narrowest table accepted: the fixed columns and 8 characters of payload.</summary>
    public const int MinimumWidth = FixedWidth + 8;

    private const int TimeWidth = 16, IdWidth = 5, OpcodeWidth = 3, PidWidth = 7, TidWidth = 7, CpuWidth = 3, SizeWidth = 6;
    // Every column but the payload, each followed by one space.
    private const int FixedWidth = TimeWidth + ProviderWidth + IdWidth + OpcodeWidth + PidWidth + TidWidth + CpuWidth + SizeWidth + 8;

    private readonly IBufferWriter<byte> _output;
    private readonly EtlClock _clock;
    private readonly int _payloadWidth;
    private readonly ProviderFormCache<byte[]> _providers;
    private readonly MessageFormatter _messages = new(new FieldFormatter());

    /// <summary>Creates a writer and writes the header row.</summary>
    /// <param name="output">Where the rows go (UTF-8, LF line ends).</param>
    /// <param name="clock">The trace's clock (<see cref="EtlReader.Clock"/>).</param>
    /// <param name="names">Provider names; the caller lets it learn every record before writing it.</param>
    /// <param name="width">Characters per row (at least <see cref="MinimumWidth"/>); the payload column takes the rest.</param>
    public EventTableWriter(IBufferWriter<byte> output, EtlClock clock, ProviderNames names, int width = 120)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _providers = new ProviderFormCache<byte[]>(names, (guid, name) => Encoding.UTF8.GetBytes(ProviderText(name, guid)));
        _payloadWidth = Math.Max(width, MinimumWidth) - FixedWidth;
        WriteHeader();
    }

    /// <summary>Writes one decoded record as one row, its message in the details column.</summary>
    public void Write(in EtlRecord record, in DecodedEvent decoded)
    {
        int n = WriteFixed(record, out var row);
        var message = _messages.Format(decoded);
        if (!message.IsEmpty)
        {
            row[n++] = (byte)' ';
            n += CutText(message, row[n..], _payloadWidth);
        }
        row[n++] = (byte)'\n';
        _output.Advance(n);
    }

    /// <summary>
    /// Copies UTF-8 text, line breaks as spaces, cut at a character boundary to <paramref name="width"/> characters
    /// with "…" when longer.
    /// </summary>
    private static int CutText(ReadOnlySpan<byte> text, Span<byte> d, int width)
    {
        int chars = 0, i = 0, n = 0;
        while (i < text.Length)
        {
            int length = (text[i] & 0x80) == 0 ? 1 : (text[i] & 0xE0) == 0xC0 ? 2 : (text[i] & 0xF0) == 0xE0 ? 3 : 4;
            if (chars == width - 1 && i + length < text.Length) return n + Encoding.UTF8.GetBytes("…", d[n..]);
            if (i + length > text.Length) break;
            if (length == 1 && text[i] is (byte)'\n' or (byte)'\r' or (byte)'\t') d[n++] = (byte)' ';
            else { text.Slice(i, length).CopyTo(d[n..]); n += length; }
            i += length;
            chars++;
        }
        return n;
    }

    /// <summary>Writes one record as one row.</summary>
    public void Write(in EtlRecord record)
    {
        int n = WriteFixed(record, out var row);
        var payload = record.UserData;
        if (!payload.IsEmpty)
        {
            row[n++] = (byte)' ';
            if (payload.Length * 2 <= _payloadWidth)
            {
                Convert.TryToHexString(payload, row[n..], out int hex);
                n += hex;
            }
            else
            {
                Convert.TryToHexString(payload[..((_payloadWidth - 1) / 2)], row[n..], out int hex);
                n += hex;
                n += Encoding.UTF8.GetBytes("…", row[n..]);
            }
        }
        row[n++] = (byte)'\n';
        _output.Advance(n);
    }

    /// <summary>Writes the columns before the details; returns the bytes written into <paramref name="row"/>.</summary>
    private int WriteFixed(in EtlRecord record, out Span<byte> row)
    {
        var provider = _providers.Get(record);
        row = _output.GetSpan(FixedWidth * 2 + provider.Length + _payloadWidth * 4 + 8);
        var utc = EtlClock.FromFileTime(_clock.ToFileTime(record.Timestamp));
        long ticks = utc.TimeOfDay.Ticks;
        int n = EventJsonWriter.FormatClock((int)(ticks / TimeSpan.TicksPerSecond), (int)(ticks % TimeSpan.TicksPerSecond), row, 7);
        row[n++] = (byte)' ';
        provider.CopyTo(row[n..]);
        n += provider.Length;
        Right(row, ref n, record.Id, IdWidth);
        Right(row, ref n, record.Opcode, OpcodeWidth);
        if (record.HasProcessInfo)
        {
            Right(row, ref n, record.ProcessId, PidWidth);
            Right(row, ref n, record.ThreadId, TidWidth);
        }
        else
        {
            Right(row, ref n, "-"u8, PidWidth);
            Right(row, ref n, "-"u8, TidWidth);
        }
        Right(row, ref n, record.ProcessorIndex, CpuWidth);
        Right(row, ref n, record.Size, SizeWidth);
        return n;
    }

    private void WriteHeader()
    {
        var header = new StringBuilder();
        header.Append("TIME (UTC)".PadRight(TimeWidth)).Append(' ')
            .Append("PROVIDER".PadRight(ProviderWidth))
            .Append(' ').Append("ID".PadLeft(IdWidth))
            .Append(' ').Append("OP".PadLeft(OpcodeWidth))
            .Append(' ').Append("PID".PadLeft(PidWidth))
            .Append(' ').Append("TID".PadLeft(TidWidth))
            .Append(' ').Append("CPU".PadLeft(CpuWidth))
            .Append(' ').Append("SIZE".PadLeft(SizeWidth))
            .Append(' ').Append("DETAILS").Append('\n');
        _output.Write(Encoding.UTF8.GetBytes(header.ToString()));
    }

    private static void Right(Span<byte> row, ref int n, long value, int width)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out int length);
        Right(row, ref n, digits[..length], width);
    }

    private static void Right(Span<byte> row, ref int n, ReadOnlySpan<byte> text, int width)
    {
        row[n++] = (byte)' ';
        for (int pad = width - text.Length; pad > 0; pad--) row[n++] = (byte)' ';
        text.CopyTo(row[n..]);
        n += text.Length;
    }

    /// <summary>The provider's name (its GUID when it has none) cut or padded to the column width.</summary>
    internal static string ProviderText(string? name, Guid guid)
    {
        string text = name ?? guid.ToString("B").ToUpperInvariant();
        return text.Length > ProviderWidth ? string.Concat(text.AsSpan(0, ProviderWidth - 1), "…") : text.PadRight(ProviderWidth);
    }

}
