using System.Buffers;
using System.Text;
using Sockscope.Schema;

namespace Sockscope.Decoding.Values;

/// <summary>
/// Fills a manifest message's inserts (%1 … %n, each the text of field n; %% and %n! formats included) with the
/// values a person reads; an event without a message gets its task name. Each template is parsed once.
/// </summary>
internal sealed class MessageFormatter
{
    /// <summary>A piece of a parsed template: literal UTF-8 text, then the insert of a field (or -1 for none).</summary>
    internal readonly record struct Segment(byte[] Literal, int Field)
    {
        /// <summary>The literal needs no escaping in a JSON string.</summary>
        public bool Plain { get; } = PlainJsonText.Is(Literal);
    }

    private readonly FieldFormatter _fields;
    private byte[] _text = new byte[512];
    private int _length;
    private readonly Dictionary<EventSchema, Segment[]> _templates = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates a formatter that renders values with <paramref name="fields"/>.</summary>
    public MessageFormatter(FieldFormatter fields) => _fields = fields;

    /// <summary>The message as UTF-8, valid until the next call.</summary>
    public ReadOnlySpan<byte> Format(in DecodedEvent e)
    {
        var segments = SegmentsOf(e.Schema);
        _length = 0;
        foreach (var segment in segments)
        {
            Append(segment.Literal);
            if (segment.Field >= 0 && segment.Field < e.Count) Append(_fields.FormatText(e, segment.Field));
        }
        return _text.AsSpan(0, _length);
    }

    /// <summary>
    /// Writes the message into <paramref name="d"/> from <paramref name="at"/> when none of it needs escaping in a JSON
    /// string (nearly every Winsock message); returns where it ends, or -1 when a piece needs escaping or
    /// <paramref name="d"/> has no room (what was written then counts for nothing). The inserts whose text the
    /// caller already wrote into <paramref name="d"/> (<paramref name="keptAt"/>: its start + 1 for each field, 0 for
    /// none; <paramref name="keptLength"/>: its length) are copied from there, the rest rendered as
    /// <see cref="Format"/> renders them, so the message is the same bytes. <paramref name="template"/> is the
    /// schema's template the caller keeps (<see cref="TemplateOf"/>), so no lookup is made per event.
    /// </summary>
    public int TryFormatPlain(in DecodedEvent e, Segment[] template, Span<byte> d, int at, ReadOnlySpan<int> keptAt,
        ReadOnlySpan<int> keptLength)
    {
        int n = at;
        foreach (var segment in template)
        {
            var literal = segment.Literal;
            if (!segment.Plain || literal.Length > d.Length - n) return -1;
            literal.CopyTo(d[n..]);
            n += literal.Length;
            int field = segment.Field;
            if (field < 0 || field >= e.Count) continue;
            // A kept value went into the JSON line raw, so it is plain already: only the rest is checked.
            bool kept = keptAt[field] > 0;
            var text = kept ? d.Slice(keptAt[field] - 1, keptLength[field]) : _fields.FormatText(e, field);
            if (text.Length > d.Length - n || (!kept && !PlainJsonText.Is(text))) return -1;
            text.CopyTo(d[n..]);
            n += text.Length;
        }
        return n;
    }

    /// <summary>The parsed template of a schema's message, for a caller that keeps it per schema.</summary>
    public Segment[] TemplateOf(EventSchema schema) => SegmentsOf(schema);

    private Segment[] SegmentsOf(EventSchema schema)
    {
        // Runs of one event kind are common: the last schema's template is kept at hand.
        if (ReferenceEquals(schema, _lastSchema)) return _lastSegments;
        if (!_templates.TryGetValue(schema, out var segments))
        {
            segments = Parse(schema);
            if (_templates.Count < 16_384) _templates[schema] = segments;
        }
        _lastSchema = schema;
        _lastSegments = segments;
        return segments;
    }

    private EventSchema? _lastSchema;
    private Segment[] _lastSegments = [];

    // A plain array rather than an IBufferWriter: no interface calls for each piece of text.
    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_length + bytes.Length > _text.Length) Array.Resize(ref _text, Math.Max(_length + bytes.Length, _text.Length * 2));
        bytes.CopyTo(_text.AsSpan(_length));
        _length += bytes.Length;
    }

    private static Segment[] Parse(EventSchema schema)
    {
        string? template = schema.Message;
        if (template is null) return [new Segment(Encoding.UTF8.GetBytes(schema.TaskName), -1)];
        var segments = new List<Segment>();
        var literal = new StringBuilder();
        int i = 0;
        while (i < template.Length)
        {
            int percent = template.IndexOf('%', i);
            if (percent < 0 || percent + 1 >= template.Length)
            {
                literal.Append(template, i, template.Length - i);
                break;
            }
            literal.Append(template, i, percent - i);
            char next = template[percent + 1];
            if (char.IsAsciiDigit(next))
            {
                int j = percent + 1, number = 0;
                while (j < template.Length && char.IsAsciiDigit(template[j]) && number < 1000) number = number * 10 + (template[j++] - '0');
                // "%1!s!"-style format specifiers are dropped: the field's own rendering applies.
                if (j < template.Length && template[j] == '!')
                {
                    int close = template.IndexOf('!', j + 1);
                    if (close > 0) j = close + 1;
                }
                segments.Add(new Segment(Encoding.UTF8.GetBytes(literal.ToString()), number - 1));
                literal.Clear();
                i = j;
            }
            else
            {
                // "%%" is a percent sign; "%n", "%t", "%r" are layout escapes Windows renders as line break, tab, return.
                literal.Append(next switch { '%' => "%", 'n' => " ", 't' => "\t", 'r' => "", _ => "%" + next });
                i = percent + 2;
            }
        }
        if (literal.Length > 0 || segments.Count == 0) segments.Add(new Segment(Encoding.UTF8.GetBytes(literal.ToString()), -1));
        return segments.ToArray();
    }
}
