using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Sockscope.Decoding;
using Sockscope.Decoding.Values;
using Sockscope.Etl;
using Sockscope.Events;

namespace Sockscope.Sinks;

/// <summary>
/// Writes event records as a text table for a person: time of day (<c>HH:mm:ss.fffffff</c>, UTC or the zone given),
/// provider by its short name (AFD, Sockets, NameRes; other providers without "Microsoft-Windows-"), event id,
/// opcode, process id, thread id, processor, record size, and details: a decoded event's message, or the payload
/// bytes in hex. Streaming: the header row is written once, then each row as its record comes, so output starts at
/// once and memory does not grow with the trace.
/// </summary>
/// <remarks>
/// Given a width (a terminal), rows fit it: the opcode, thread, processor and size columns are dropped, least useful
/// first, while the details would get fewer than <see cref="DetailsWanted"/> characters, and what still does not fit
/// is cut with "…". Without one (a pipe or a file), every value is written whole, in the same columns.
/// </remarks>
public sealed class EventTableWriter
{
    /// <summary>Width of the provider column (the Winsock providers' short names fit it).</summary>
    public const int ProviderWidth = 8;
    /// <summary>The narrowest table accepted: time, provider, id, process id and 8 characters of details.</summary>
    public const int MinimumWidth = TimeWidth + ProviderWidth + IdWidth + PidWidth + 4 + 8;
    /// <summary>Characters of details a terminal row keeps before a less useful column goes.</summary>
    public const int DetailsWanted = 48;

    private const int TimeWidth = 16, IdWidth = 5, OpcodeWidth = 3, PidWidth = 7, TidWidth = 7, CpuWidth = 3, SizeWidth = 6;

    private readonly IBufferWriter<byte> _output;
    private readonly EtlClock _clock;
    private readonly DisplayZone _zone;
    private readonly bool _opcode, _thread, _processor, _size;
    // Characters of details in a row; int.MaxValue when not fitted to a width.
    private readonly int _detailsWidth;
    private readonly int _fixedWidth;
    private readonly ProviderFormCache<byte[]> _providers;
    private readonly MessageFormatter _messages = new(new FieldFormatter());

    /// <summary>Creates a writer and writes the header row.</summary>
    /// <param name="output">Where the rows go (UTF-8, LF line ends).</param>
    /// <param name="clock">The trace's clock (<see cref="EtlReader.Clock"/>).</param>
    /// <param name="names">Provider names; the caller lets it learn every record before writing it.</param>
    /// <param name="width">
    /// Characters per row, for a terminal (at least <see cref="MinimumWidth"/>); null writes every value whole and
    /// every column, for a pipe or a file.
    /// </param>
    /// <param name="zone">The zone times are shown in; UTC when null.</param>
    public EventTableWriter(IBufferWriter<byte> output, EtlClock clock, ProviderNames names, int? width = null, TimeZoneInfo? zone = null)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _zone = new DisplayZone(zone);
        bool fitted = width is not null;
        _providers = new ProviderFormCache<byte[]>(names, (guid, name) => Encoding.UTF8.GetBytes(ProviderText(name, guid, fitted)));
        _opcode = _thread = _processor = _size = true;
        _fixedWidth = FixedWidth();
        if (width is { } w)
        {
            w = Math.Max(w, MinimumWidth);
            // The least useful first: how big a record is, which processor, the opcode, then the thread.
            if (w - _fixedWidth < DetailsWanted) { _size = false; _fixedWidth = FixedWidth(); }
            if (w - _fixedWidth < DetailsWanted) { _processor = false; _fixedWidth = FixedWidth(); }
            if (w - _fixedWidth < DetailsWanted) { _opcode = false; _fixedWidth = FixedWidth(); }
            if (w - _fixedWidth < DetailsWanted) { _thread = false; _fixedWidth = FixedWidth(); }
            _detailsWidth = w - _fixedWidth - 1;
        }
        else _detailsWidth = int.MaxValue;
        WriteHeader();
    }

    // Every column but the details, each but the first after a space.
    private int FixedWidth() => TimeWidth + 1 + ProviderWidth + 1 + IdWidth + (_opcode ? OpcodeWidth + 1 : 0) + 1 + PidWidth
        + (_thread ? TidWidth + 1 : 0) + (_processor ? CpuWidth + 1 : 0) + (_size ? SizeWidth + 1 : 0);

    /// <summary>Writes one decoded record as one row, its message in the details column.</summary>
    public void Write(in EtlRecord record, in DecodedEvent decoded)
    {
        var message = _messages.Format(decoded);
        int n = WriteFixed(record, message.Length + 8, out var row);
        if (!message.IsEmpty)
        {
            row[n++] = (byte)' ';
            n += CutText(message, row[n..], _detailsWidth);
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
        var payload = record.UserData;
        int n = WriteFixed(record, payload.Length * 2 + 8, out var row);
        if (!payload.IsEmpty)
        {
            row[n++] = (byte)' ';
            if ((long)payload.Length * 2 <= _detailsWidth)
            {
                Convert.TryToHexString(payload, row[n..], out int hex);
                n += hex;
            }
            else
            {
                Convert.TryToHexString(payload[..((_detailsWidth - 1) / 2)], row[n..], out int hex);
                n += hex;
                n += Encoding.UTF8.GetBytes("…", row[n..]);
            }
        }
        row[n++] = (byte)'\n';
        _output.Advance(n);
    }

    /// <summary>Writes the columns before the details; returns the bytes written into <paramref name="row"/>.</summary>
    private int WriteFixed(in EtlRecord record, int detailsBytes, out Span<byte> row)
    {
        var provider = _providers.Get(record);
        row = _output.GetSpan(_fixedWidth * 2 + provider.Length + detailsBytes + 8);
        var time = _zone.ToZone(EtlClock.FromFileTime(_clock.ToFileTime(record.Timestamp)));
        long ticks = time.TimeOfDay.Ticks;
        int n = EventJsonWriter.FormatClock((int)(ticks / TimeSpan.TicksPerSecond), (int)(ticks % TimeSpan.TicksPerSecond), row, 7);
        row[n++] = (byte)' ';
        provider.CopyTo(row[n..]);
        n += provider.Length;
        Right(row, ref n, record.Id, IdWidth);
        if (_opcode) Right(row, ref n, record.Opcode, OpcodeWidth);
        if (record.HasProcessInfo)
        {
            Right(row, ref n, record.ProcessId, PidWidth);
            if (_thread) Right(row, ref n, record.ThreadId, TidWidth);
        }
        else
        {
            Right(row, ref n, "-"u8, PidWidth);
            if (_thread) Right(row, ref n, "-"u8, TidWidth);
        }
        if (_processor) Right(row, ref n, record.ProcessorIndex, CpuWidth);
        if (_size) Right(row, ref n, record.Size, SizeWidth);
        return n;
    }

    private void WriteHeader()
    {
        var header = new StringBuilder();
        header.Append($"TIME ({_zone.Label})".PadRight(TimeWidth)).Append(' ')
            .Append("PROVIDER".PadRight(ProviderWidth))
            .Append(' ').Append("ID".PadLeft(IdWidth));
        if (_opcode) header.Append(' ').Append("OP".PadLeft(OpcodeWidth));
        header.Append(' ').Append("PID".PadLeft(PidWidth));
        if (_thread) header.Append(' ').Append("TID".PadLeft(TidWidth));
        if (_processor) header.Append(' ').Append("CPU".PadLeft(CpuWidth));
        if (_size) header.Append(' ').Append("SIZE".PadLeft(SizeWidth));
        header.Append(' ').Append("DETAILS").Append('\n');
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

    /// <summary>
    /// The provider as the table shows it: its short name (<see cref="ShortName"/>; its GUID when it has no name),
    /// padded to the column; cut to it with "…" when <paramref name="fitted"/>, else whole.
    /// </summary>
    internal static string ProviderText(string? name, Guid guid, bool fitted = true)
    {
        string text = name is null ? guid.ToString("B").ToUpperInvariant() : ShortName(name);
        return fitted && text.Length > ProviderWidth ? string.Concat(text.AsSpan(0, ProviderWidth - 1), "…") : text.PadRight(ProviderWidth);
    }

    /// <summary>
    /// A provider's name as a table shows it: AFD, Sockets and NameRes for the Winsock providers, other names without
    /// "Microsoft-Windows-" ("Kernel-Process").
    /// </summary>
    internal static string ShortName(string name)
    {
        const string Winsock = "Microsoft-Windows-Winsock-", Windows = "Microsoft-Windows-";
        if (name.StartsWith(Winsock, StringComparison.OrdinalIgnoreCase))
        {
            string rest = name[Winsock.Length..];
            return rest.Equals("NameResolution", StringComparison.OrdinalIgnoreCase) ? "NameRes" : rest;
        }
        return name.StartsWith(Windows, StringComparison.OrdinalIgnoreCase) && name.Length > Windows.Length ? name[Windows.Length..] : name;
    }
}
