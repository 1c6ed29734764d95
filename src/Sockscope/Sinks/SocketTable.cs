using System.Globalization;
using System.Text;
using Sockscope.Analysis;

namespace Sockscope.Sinks;

/// <summary>
/// The sockets as a text table for a person, in opening order. The rows are held until the end, since a socket is
/// handed on when it closes and the widest value of each column is only known then.
/// </summary>
/// <remarks>
/// Given a width (a terminal), the table fits it: the less useful columns go first (endpoint, closed, local address),
/// then the note moves onto lines of its own under its row, then protocol, bytes received, bytes sent and host name
/// go; the process and host names are cut with "…", and a note wraps under its column; addresses are never cut, an
/// IPv6 endpoint stays whole. Without a width (a
/// pipe or a file) every column is there and every value whole.
/// </remarks>
internal sealed class SocketTable
{
    private enum Fit { Whole, Cut, Wrap }

    // Drop: dropped when narrow, 1 first, then 2, …; 0 never. Min: the narrowest a cut or wrapped column gets.
    private sealed record Column(string Header, bool Right, Fit Fit, int Drop, int Min = 0);

    private const int Opened = 0, Pid = 1, Process = 2, Proto = 3, Remote = 4, Name = 5, Sent = 6, Received = 7, Local = 8,
        Closed = 9, Endpoint = 10, Note = 11;

    // Where a note that has no room in its column starts, on the lines under its row.
    private const int NoteIndent = 4;

    private readonly Column[] _columns;
    private readonly List<(DateTime? Opened, string[] Cells)> _rows = new();
    private readonly int? _width;
    private readonly DisplayZone _zone;

    public SocketTable(int? width, TimeZoneInfo? zone)
    {
        _width = width;
        _zone = new DisplayZone(zone);
        _columns =
        [
            new($"OPENED ({_zone.Label})", false, Fit.Whole, 0),
            new("PID", true, Fit.Whole, 0),
            new("PROCESS", false, Fit.Cut, 0, 8),
            new("PROTO", false, Fit.Whole, 5),
            new("REMOTE", false, Fit.Whole, 0),
            new("NAME", false, Fit.Cut, 8, 10),
            new("SENT", true, Fit.Whole, 7),
            new("RECEIVED", true, Fit.Whole, 6),
            new("LOCAL", false, Fit.Whole, 3),
            new("CLOSED", false, Fit.Whole, 2),
            new("ENDPOINT", false, Fit.Whole, 1),
            // Not dropped: moved onto lines of its own under the row.
            new("NOTE", false, Fit.Wrap, 4, 24),
        ];
    }

    /// <summary>Holds one socket's row.</summary>
    public void Add(SocketRecord s, string note, string remote)
    {
        var cells = new string[_columns.Length];
        cells[Opened] = Time(s.Opened, "before");
        cells[Pid] = s.ProcessId.ToString(CultureInfo.InvariantCulture);
        cells[Process] = s.ProcessName ?? "-";
        cells[Proto] = SocketWriter.Protocol(s)?.ToString() ?? "-";
        cells[Remote] = remote;
        cells[Name] = s.RemoteName ?? "-";
        cells[Sent] = s.BytesSent.ToString("N0", CultureInfo.InvariantCulture);
        cells[Received] = s.BytesReceived.ToString("N0", CultureInfo.InvariantCulture);
        cells[Local] = s.Local?.ToString() ?? "-";
        cells[Closed] = Time(s.Closed, "after");
        cells[Endpoint] = s.Endpoint == 0 ? "-" : "0x" + s.Endpoint.ToString("X", CultureInfo.InvariantCulture);
        cells[Note] = note.Length == 0 ? "" : note.ReplaceLineEndings(" ");
        _rows.Add((s.Opened, cells));
    }

    private string Time(DateTime? t, string missing) =>
        t is { } utc ? _zone.ToZone(utc).ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) : missing;

    /// <summary>The table's lines, a row (with its note's further lines) at a time: header first, then the rows in opening order (sockets open before the trace first).</summary>
    public IEnumerable<string> Render()
    {
        // A stable sort: sockets opened in the same 100 ns keep the order they closed in.
        var rows = _rows.Select((r, i) => (r, i)).OrderBy(x => x.r.Opened ?? DateTime.MinValue).ThenBy(x => x.i).Select(x => x.r.Cells).ToList();
        int[] natural = new int[_columns.Length];
        for (int c = 0; c < _columns.Length; c++)
            natural[c] = Math.Max(_columns[c].Header.Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length));
        var shown = Enumerable.Range(0, _columns.Length).ToList();
        int[] widths = (int[])natural.Clone();
        int noteBelow = 0;
        if (_width is { } width)
        {
            // A column no socket fills says nothing on a terminal.
            if (rows.All(r => r[Name] == "-")) shown.Remove(Name);
            int Least(int c) => _columns[c].Fit == Fit.Whole ? natural[c] : Math.Min(natural[c], _columns[c].Min);
            int Need() => shown.Sum(Least) + shown.Count - 1;
            while (Need() > width)
            {
                int drop = -1;
                foreach (int c in shown)
                    if (_columns[c].Drop > 0 && (drop < 0 || _columns[c].Drop < _columns[drop].Drop)) drop = c;
                if (drop < 0) break;
                shown.Remove(drop);
                // Too narrow for the note beside the rest: it goes on lines of its own under the row.
                if (drop == Note) noteBelow = Math.Max(width - NoteIndent, _columns[Note].Min);
            }
            foreach (int c in shown) widths[c] = Least(c);
            int room = width - Need();
            // The process gets a readable name first, then the note its words, then the rest what is left.
            foreach (var (c, upTo) in new[] { (Process, 16), (Note, int.MaxValue), (Process, int.MaxValue), (Name, int.MaxValue) })
            {
                if (!shown.Contains(c) || room <= 0) continue;
                int more = Math.Min(room, Math.Min(natural[c], upTo) - widths[c]);
                if (more <= 0) continue;
                widths[c] += more;
                room -= more;
            }
        }
        var text = new StringBuilder();
        WriteRow(text, shown, widths, _columns.Select(c => c.Header).ToArray());
        yield return text.ToString();
        foreach (var cells in rows)
        {
            text.Clear();
            WriteRow(text, shown, widths, cells);
            for (string rest = noteBelow > 0 ? cells[Note] : ""; rest.Length > 0;)
            {
                (string line, rest) = Wrap(rest, noteBelow);
                text.Append(' ', NoteIndent).Append(line).Append('\n');
            }
            yield return text.ToString();
        }
    }

    private void WriteRow(StringBuilder text, List<int> shown, int[] widths, string[] cells)
    {
        int start = text.Length, indent = 0;
        string rest = "";
        for (int k = 0; k < shown.Count; k++)
        {
            int c = shown[k];
            var column = _columns[c];
            string cell = cells[c];
            int w = widths[c];
            if (k > 0) text.Append(' ');
            if (cell.Length > w && column.Fit == Fit.Cut) cell = cell[..(w - 1)] + "…";
            else if (cell.Length > w && column.Fit == Fit.Wrap)
            {
                (cell, rest) = Wrap(cell, w);
                indent = text.Length - start;
            }
            text.Append(column.Right ? cell.PadLeft(w) : cell.PadRight(w));
        }
        TrimEnd(text);
        text.Append('\n');
        // A long note goes on under its own column, never past the width.
        while (rest.Length > 0)
        {
            (string line, rest) = Wrap(rest, widths[Note]);
            text.Append(' ', indent).Append(line).Append('\n');
        }
    }

    /// <summary>The first line of <paramref name="text"/> within <paramref name="width"/>, broken at the last space that fits (a word longer than the line is cut), and the rest.</summary>
    private static (string Line, string Remainder) Wrap(string text, int width)
    {
        if (text.Length <= width) return (text, "");
        int space = text.LastIndexOf(' ', width);
        int cut = space > 0 ? space : width;
        return (text[..cut].TrimEnd(), text[cut..].TrimStart());
    }

    private static void TrimEnd(StringBuilder text)
    {
        int n = text.Length;
        while (n > 0 && text[n - 1] == ' ') n--;
        text.Length = n;
    }
}
