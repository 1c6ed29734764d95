using System.Text.Json;
using Sockscope.Etl;

namespace Sockscope.Sources;

/// <summary>
/// Tells the kind of an input, and for JSON lines the time of the first event, from its first bytes, given as they
/// arrive: an ETL file from its first four bytes (its first buffer's size, a little-endian number of at most 64 MiB,
/// so some byte is zero; text holds no zero byte); JSON lines from the first good line among the first
/// <see cref="MaxLines"/> (within <see cref="MaxBytes"/>), so a bad first line does not hide a good file. Bad lines
/// are skipped here and reported by the reader, which reads them again from the replayed prefix.
/// </summary>
internal sealed class InputRecognizer
{
    /// <summary>Lines (not counting blank ones) looked at.</summary>
    public const int MaxLines = 8;

    /// <summary>Bytes looked at, at most.</summary>
    public const int MaxBytes = 1 << 20;

    private readonly InputFormat _requested;
    private readonly string _name;
    private readonly JsonEvent _event = new();
    private readonly RepeatedKeys _repeated = new();
    private int _scanned;
    private int _searched;
    private int _lines;

    /// <param name="requested">The kind asked for: <see cref="InputFormat.Auto"/> to recognise it; a JSON kind to find the first event's time.</param>
    /// <param name="name">The input's name, for the error when it is of no known kind.</param>
    public InputRecognizer(InputFormat requested, string name)
    {
        _requested = requested;
        _name = name;
        if (requested == InputFormat.Etl) Finish(InputFormat.Etl);
    }

    /// <summary>True once the kind (and the first time) is known, or can be learned no better.</summary>
    public bool Done { get; private set; }

    /// <summary>The kind, once <see cref="Done"/>.</summary>
    public InputFormat Format { get; private set; }

    /// <summary>The time of the first event that reads (a UTC FILETIME), or 0 when none did within the lines looked at.</summary>
    public long FirstTime { get; private set; }

    /// <summary>Why the input is refused (of no known kind), once <see cref="Done"/>; null when it is not.</summary>
    public EtlFormatException? Refusal { get; private set; }

    /// <summary>
    /// Looks at the lines of <paramref name="prefix"/> not seen yet (the prefix only grows between calls).
    /// <paramref name="ended"/>: the input ends there; <paramref name="full"/>: no more bytes will be looked at.
    /// </summary>
    public void Look(ReadOnlyMemory<byte> prefix, bool ended, bool full)
    {
        if (Done) return;
        var bytes = prefix.Span;
        if (_requested == InputFormat.Auto && _scanned == 0)
        {
            if (bytes.Length < 4 && !ended && !full) return;
            if (bytes[..Math.Min(4, bytes.Length)].Contains((byte)0) || bytes.IsEmpty)
            {
                Finish(InputFormat.Etl);
                return;
            }
        }
        while (_lines < MaxLines)
        {
            int nl = bytes[_searched..].IndexOf((byte)'\n');
            int end;
            if (nl >= 0) end = _searched + nl;
            else if (ended && _scanned < bytes.Length) end = bytes.Length;
            else
            {
                _searched = bytes.Length;
                break;
            }
            var line = prefix[_scanned..end];
            _scanned = _searched = Math.Min(end + 1, bytes.Length);
            if (IsBlank(line.Span)) continue;
            _lines++;
            if (TryRead(line) is { } format)
            {
                Finish(format);
                FirstTime = _event.FileTime;
                return;
            }
        }
        if (_lines >= MaxLines || ended || full) Finish(null, bytes);
    }

    /// <summary>The kind of event the line is, read in full (fields, time, no repeated key), or null.</summary>
    private InputFormat? TryRead(ReadOnlyMemory<byte> line)
    {
        if (line.Span.StartsWith("\uFEFF"u8)) line = line[3..];
        try
        {
            using var doc = JsonDocument.Parse(line, JsonEventSource.LineOptions);
            var root = doc.RootElement;
            var format = _requested != InputFormat.Auto ? _requested
                : CatalogJsonFormat.Looks(root) ? InputFormat.Jsonl
                : SilkEtwFormat.Looks(root) ? InputFormat.SilkEtw
                : SealighterFormat.Looks(root) ? InputFormat.Sealighter
                : (InputFormat?)null;
            if (format is not { } f) return null;
            _event.Reset();
            if (JsonEventSource.ReadEvent(f, root, _event) is not null) return null;
            if (_repeated.Find(_event.Data) is not null || _repeated.Find(_event.Types) is not null) return null;
            return f;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private void Finish(InputFormat? format, ReadOnlySpan<byte> bytes = default)
    {
        Done = true;
        if (format is { } known)
        {
            Format = known;
            return;
        }
        if (_requested != InputFormat.Auto)
        {
            // The kind was named: the reader reports the lines; the start is taken from the first event it reads.
            Format = _requested;
            return;
        }
        // Text that starts as JSON does is JSON of no known kind; anything else is for the ETL reader to judge.
        int at = bytes.StartsWith("\uFEFF"u8) ? 3 : 0;
        while (at < bytes.Length && bytes[at] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') at++;
        Format = InputFormat.Etl;
        if (at < bytes.Length && bytes[at] == (byte)'{')
            Refusal = new EtlFormatException(_name, at,
                $"not an ETL file, and no JSON event of a known kind (the catalog's JSON lines, SilkETW or Sealighter) is among its first {_lines} line(s): name one with --input-format");
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        if (line.StartsWith("\uFEFF"u8)) line = line[3..];
        return line.TrimStart(" \t\r"u8).IsEmpty;
    }
}
